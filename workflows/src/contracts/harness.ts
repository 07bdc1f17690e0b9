import { z } from "zod";

/**
 * The benchmark harness's protocol (hardware-farm/firmware/common/harness.c): one JSON object a line on the
 * console (semihosting in QEMU, the serial port on a physical board). Per inference `{"i":N,"instructions":K}`
 * (`cycles` instead of `instructions` where the counter counts cycles), at the end the summary below, or
 * `{"error": ...}` on failure. The firmware's exit status names what went wrong (`HARNESS_EXIT_STATUS`).
 */
export const HarnessSummary = z.object({
  done: z.literal(true),
  inferences: z.number().int().nonnegative(),
  init_instructions: z.number().nonnegative(),
  peak_stack_bytes: z.number().int().nonnegative(),
  stack_bytes: z.number().int().nonnegative(),
  arena_bytes: z.number().int().nonnegative(),
  /** What the per-inference figure counts, e.g. "icount" (QEMU instructions), "mcycle", "dwt_cyccnt". */
  counter: z.string(),
  counter_step: z.number(),
});
export type HarnessSummary = z.infer<typeof HarnessSummary>;

export const HARNESS_EXIT_STATUS: Readonly<Record<number, string>> = Object.freeze({
  2: "host file I/O through semihosting failed",
  3: "the CPU faulted",
  4: "tml_model_init failed",
  5: "tml_model_run failed",
});

/** What one run of the benchmark firmware gives, on QEMU or on a physical board (the agent's and the engine's view). */
export interface FirmwareRunFigures {
  /** The counter's reading per inference (instructions under QEMU -icount, cycles on a board). */
  perInference: number[];
  summary: HarnessSummary;
  /** The command or tool lines that ran the firmware, for the record. */
  command: string[];
  /** `emulated` for QEMU boards, `measured` for physical ones. */
  source: "emulated" | "measured";
  /** Energy per inference from the board's power monitor, when it has one (µJ, measured; never estimated). */
  energyUjPerInference?: number;
}

export interface HarnessOutput {
  /** The counter's reading of each inference, in input order. */
  perInference: number[];
  summary: HarnessSummary | null;
  /** The harness's `{"error": ...}` line, if it printed one. */
  error: Record<string, unknown> | null;
  /** Console lines that are not harness JSON (the emulator's or the board's own messages). */
  other: string[];
}

/** Reads the harness's lines out of a console transcript. */
export function parseHarnessOutput(text: string): HarnessOutput {
  const perInference: number[] = [];
  let summary: HarnessSummary | null = null;
  let error: Record<string, unknown> | null = null;
  const other: string[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line) continue;
    let parsed: unknown;
    if (line.startsWith("{")) {
      try {
        parsed = JSON.parse(line);
      } catch {
        parsed = undefined;
      }
    }
    if (parsed === null || typeof parsed !== "object") {
      other.push(line);
      continue;
    }
    const obj = parsed as Record<string, unknown>;
    if (typeof obj.i === "number") {
      const figure = typeof obj.instructions === "number" ? obj.instructions : obj.cycles;
      if (typeof figure === "number") perInference.push(figure);
      else other.push(line);
    } else if (obj.done === true) {
      const s = HarnessSummary.safeParse(obj);
      if (s.success) summary = s.data;
      else other.push(line);
    } else if ("error" in obj) {
      error = obj;
    } else {
      other.push(line);
    }
  }
  return { perInference, summary, error, other };
}
