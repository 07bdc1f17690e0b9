import { z } from "zod";

/** The worker process's configuration, read once from the environment and validated. */
export const WorkerConfig = z.object({
  TEMPORAL_ADDRESS: z.string().min(1).default("127.0.0.1:7233"),
  TEMPORAL_NAMESPACE: z.string().min(1).default("default"),
});
export type WorkerConfig = z.infer<typeof WorkerConfig>;

export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const parsed = WorkerConfig.safeParse(env);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new Error(`invalid worker configuration: ${issues}`);
  }
  return parsed.data;
}
