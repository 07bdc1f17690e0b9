export { BoardHungError, BoardRunAbortedError, BoardUnavailableError, FirmwareFailedError } from "@tinyml/emulator";
export type { BoardDriver, BoardHealth, BoardRunRequest, BoardRunResult } from "./board-driver.js";
export { FLASHERS, type Flasher } from "./flashers.js";
export { type PowerMonitor, ProbeBoardDriver } from "./probe-driver.js";
export { QemuBoardDriver } from "./qemu-driver.js";
export { SerialLines } from "./serial-lines.js";
