import { z } from "zod";

/** The control plane's configuration, read once from the environment and validated. */
export const ControlPlaneConfig = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(5000),
  HOST: z.string().min(1).default("127.0.0.1"),
});
export type ControlPlaneConfig = z.infer<typeof ControlPlaneConfig>;

export function loadControlPlaneConfig(env: NodeJS.ProcessEnv = process.env): ControlPlaneConfig {
  const parsed = ControlPlaneConfig.safeParse(env);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new Error(`invalid control plane configuration: ${issues}`);
  }
  return parsed.data;
}
