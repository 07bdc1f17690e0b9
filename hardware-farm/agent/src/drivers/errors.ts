/** A board run's errors are those of the firmware runner every board shares (hardware-farm/emulator). */
export { BoardHungError, BoardRunAbortedError, BoardUnavailableError, FirmwareFailedError } from "@tinyml/emulator";
