import { type FirmwareRun, runOnQemu } from "@tinyml/emulator";
import { EngineError } from "../errors.js";
import type { EmulatedBoard } from "./boards.js";

/**
 * Runs a firmware image on the board's QEMU machine through `runOnQemu` (hardware-farm/emulator: the runner the
 * farm agent's emulated boards use, so the figures are the farm's), for `tinyml-engine bench`. The run's failures
 * come back as `UNSUPPORTED_MODEL` with the runner's words (the harness's exit status and error line, a timeout, a
 * missing QEMU); an aborted `signal` rejects with its reason.
 */
export async function runFirmware(options: {
  board: EmulatedBoard;
  elf: string;
  inputs: Uint8Array;
  inferences: number;
  outputBytes: number;
  timeoutMs?: number;
  signal?: AbortSignal;
}): Promise<FirmwareRun> {
  const { board, elf, inputs, inferences, outputBytes, timeoutMs = 600_000, signal } = options;
  try {
    return await runOnQemu(board.target, {
      firmwareElf: elf,
      inputs,
      inferences,
      outputBytes,
      timeoutMs,
      ...(signal ? { signal } : {}),
    });
  } catch (e) {
    if (signal?.aborted) throw signal.reason ?? e;
    throw new EngineError("UNSUPPORTED_MODEL", (e as Error).message);
  }
}
