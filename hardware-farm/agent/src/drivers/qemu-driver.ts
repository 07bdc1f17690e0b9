import { checkQemu, qemuBoardName, runOnQemu } from "@tinyml/emulator";
import { qemuFirmwareCommand, qemuMachineArgs, type TargetId } from "@tinyml/workflows/contracts";
import type { BoardDriver, BoardHealth, BoardRunRequest, BoardRunResult } from "./board-driver.js";

/**
 * An emulated board: the target's QEMU machine, run by `runOnQemu` (hardware-farm/emulator, the one runner of
 * firmware on QEMU, which `tinyml-engine bench` uses too). Its figures are `emulated`: exact instruction counts.
 */
export class QemuBoardDriver implements BoardDriver {
  readonly kind = "qemu" as const;

  constructor(readonly target: TargetId) {
    qemuMachineArgs(target); // refuses a target without an emulator, at configuration time
  }

  describe(): string {
    return qemuBoardName(this.target);
  }

  check(): Promise<BoardHealth> {
    return checkQemu(this.target);
  }

  /** The full command line for one firmware image. */
  commandFor(firmwareElf: string): string[] {
    return qemuFirmwareCommand(this.target, firmwareElf);
  }

  run(request: BoardRunRequest): Promise<BoardRunResult> {
    return runOnQemu(this.target, request);
  }
}
