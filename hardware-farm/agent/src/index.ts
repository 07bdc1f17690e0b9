export { AgentConfig, BoardConfig, ProbeConnection, parseAgentConfig, QemuConnection } from "./agent-config.js";
export { qemuMachineArgs, qemuMachines } from "./qemu.js";
