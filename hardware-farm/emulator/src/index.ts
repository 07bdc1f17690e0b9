export { BoardHungError, BoardRunAbortedError, BoardUnavailableError, FirmwareFailedError } from "./errors.js";
export { readHarnessRun } from "./harness-result.js";
export { type ProcessOutcome, progressCounter, runToDeadline } from "./process.js";
export { qemuMachines } from "./qemu-machines.js";
export {
  checkQemu,
  type FirmwareRun,
  type FirmwareRunRequest,
  qemuBoardName,
  runOnQemu,
} from "./run-on-qemu.js";
export { findOnPath } from "./tools.js";
