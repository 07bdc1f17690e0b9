// Types the SDK is typed from (it may import this package's types only, never its code).
export type { HardwareTarget, ModelFramework, Tier } from "@tinyml/workflows/contracts";
export { API_VERSION, createApp, SERVICE_NAME } from "./app.js";
export { ControlPlaneConfig, loadControlPlaneConfig } from "./config.js";
