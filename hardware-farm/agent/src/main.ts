import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { NativeConnection } from "@temporalio/worker";
import { z } from "zod";
import { createFarmAgent } from "./agent.js";
import { parseAgentConfig } from "./agent-config.js";
import { consoleLog } from "./log.js";
import { serveMetrics } from "./metrics-listener.js";

const USAGE = `usage: tinyml-farm-agent --config farm.json

environment:
  TEMPORAL_ADDRESS     Temporal frontend (default 127.0.0.1:7233)
  TEMPORAL_NAMESPACE   Temporal namespace (default "default")
  CONTROL_PLANE_URL    where board reports go (POST ${"$"}{CONTROL_PLANE_URL}/internal/farm/boards)
  FARM_TOKEN           bearer token of those reports (the control plane's FARM_TOKEN)
  METRICS_PORT         serve Prometheus metrics on this port at /metrics (none when unset)
  METRICS_HOST         the interface of that listener (default 127.0.0.1, loopback only)`;

/** The agent process's environment, read once and validated. */
export const AgentEnv = z.object({
  TEMPORAL_ADDRESS: z.string().min(1).default("127.0.0.1:7233"),
  TEMPORAL_NAMESPACE: z.string().min(1).default("default"),
  CONTROL_PLANE_URL: z.string().url(),
  FARM_TOKEN: z.string().min(1),
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  METRICS_HOST: z.string().min(1).default("127.0.0.1"),
});
export type AgentEnv = z.infer<typeof AgentEnv>;

export function loadAgentEnv(env: NodeJS.ProcessEnv = process.env): AgentEnv {
  const parsed = AgentEnv.safeParse(env);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new Error(`invalid farm agent environment: ${issues}\n\n${USAGE}`);
  }
  return parsed.data;
}

/** Reads and validates the agent's JSON configuration file. */
export async function loadAgentConfigFile(path: string) {
  const text = await readFile(path, "utf8").catch((e: NodeJS.ErrnoException) => {
    throw new Error(`cannot read the farm agent configuration ${path}: ${e.code ?? e.message}`);
  });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`the farm agent configuration ${path} is not JSON: ${(e as Error).message}`);
  }
  return parseAgentConfig(json);
}

/** The `tinyml-farm-agent` program; returns its exit code. Errors are printed once, here. */
export async function main(argv: string[]): Promise<number> {
  let configPath: string | undefined;
  try {
    const { values } = parseArgs({ args: argv, options: { config: { type: "string" }, help: { type: "boolean" } } });
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    configPath = values.config;
  } catch (e) {
    console.error(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (!configPath) {
    console.error(`--config is required\n\n${USAGE}`);
    return 2;
  }
  try {
    const env = loadAgentEnv();
    const config = await loadAgentConfigFile(configPath);
    const log = consoleLog(`[farm-agent ${config.host}]`);
    const connection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS });
    const agent = createFarmAgent({
      config,
      connection,
      namespace: env.TEMPORAL_NAMESPACE,
      controlPlane: { url: env.CONTROL_PLANE_URL, token: env.FARM_TOKEN },
      log,
    });
    const metrics =
      env.METRICS_PORT !== undefined
        ? await serveMetrics(agent.metrics.registry, env.METRICS_PORT, env.METRICS_HOST)
        : null;
    if (metrics) log.info(`metrics on ${metrics.url}`);
    const stop = () => void agent.shutdown();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    await agent.start();
    log.info("ready");
    await agent.done();
    await metrics?.close();
    await connection.close();
    return 0;
  } catch (e) {
    console.error(`tinyml-farm-agent: ${(e as Error).message}`);
    return 1;
  }
}
