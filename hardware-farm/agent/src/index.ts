export { AgentConfig, BoardConfig, ProbeConnection, parseAgentConfig, QemuConnection } from "./agent-config.js";
export { qemuMachines } from "./qemu.js";
