export { createFarmAgent, driverFor, type FarmAgent, type FarmAgentOptions } from "./agent.js";
export { AgentConfig, BoardConfig, ProbeConnection, parseAgentConfig, QemuConnection } from "./agent-config.js";
export { BoardPool, NoHealthyBoardError, type PooledBoard } from "./board-pool.js";
export { BoardReporter } from "./board-reporter.js";
export * from "./drivers/index.js";
export { BENCHMARK_HEARTBEAT_MS, createFarmActivities, FARM_FAILURE_TYPES } from "./farm-activities.js";
export { type AgentLog, consoleLog } from "./log.js";
export { AgentEnv, loadAgentConfigFile, loadAgentEnv, main } from "./main.js";
export { AgentMetrics } from "./metrics.js";
