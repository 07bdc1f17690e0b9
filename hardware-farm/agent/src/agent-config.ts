import { HARDWARE_TARGETS, TargetId } from "@tinyml/workflows/contracts";
import { z } from "zod";

/**
 * A farm host's configuration: the boards attached to it. A board is driven either by QEMU (an emulated
 * board standing in for its target) or through a debug probe and a serial port (a physical board).
 */
export const QemuConnection = z.object({ driver: z.literal("qemu") });
export const ProbeConnection = z.object({
  driver: z.literal("probe"),
  /** Flashing tool and its probe selector (the probe's serial number / unique id). */
  flasher: z.enum(["pyocd", "openocd"]),
  probe: z.string().min(1),
  /** The chip as the tool names it: a pyOCD target (`stm32f405rg`) or an OpenOCD target script (`target/stm32f4x.cfg`). */
  toolTarget: z.string().min(1),
  /** OpenOCD's interface script for the probe (ignored by pyOCD). */
  interface: z.string().min(1).default("interface/cmsis-dap.cfg"),
  /** Serial port the firmware reports on, and its baud rate. */
  serialPort: z.string().min(1),
  baudRate: z.number().int().positive().default(115200),
});

export type QemuConnection = z.infer<typeof QemuConnection>;
export type ProbeConnection = z.infer<typeof ProbeConnection>;

export const BoardConfig = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "board ids are lowercase letters, digits and dashes"),
    target: TargetId,
    connection: z.discriminatedUnion("driver", [QemuConnection, ProbeConnection]),
    /** Longest run on this board before it is declared hung (default: the agent's `runTimeoutMs`). */
    runTimeoutMs: z.number().int().positive().optional(),
  })
  .superRefine((board, ctx) => {
    if (board.connection.driver === "qemu" && HARDWARE_TARGETS[board.target].emulator.kind === "none") {
      ctx.addIssue({
        code: "custom",
        path: ["connection", "driver"],
        message: `target "${board.target}" has no emulator; attach a physical board with the probe driver`,
      });
    }
  });
export type BoardConfig = z.infer<typeof BoardConfig>;

export const AgentConfig = z
  .object({
    host: z.string().min(1),
    boards: z.array(BoardConfig).min(1, "an agent needs at least one board"),
    /** Longest benchmark run before a board is declared hung, killed and marked unhealthy. */
    runTimeoutMs: z
      .number()
      .int()
      .positive()
      .default(10 * 60_000),
    /** How often an unhealthy board's health check is retried (it serves again once the check passes). */
    recheckUnhealthyMs: z
      .number()
      .int()
      .positive()
      .default(5 * 60_000),
  })
  .superRefine((config, ctx) => {
    const seen = new Set<string>();
    config.boards.forEach((board, i) => {
      if (seen.has(board.id)) {
        ctx.addIssue({ code: "custom", path: ["boards", i, "id"], message: `duplicate board id "${board.id}"` });
      }
      seen.add(board.id);
    });
  });
export type AgentConfig = z.infer<typeof AgentConfig>;

/** Validates an agent configuration; the error lists every problem with its path. */
export function parseAgentConfig(input: unknown): AgentConfig {
  const parsed = AgentConfig.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new Error(`invalid farm agent configuration:\n  ${issues.join("\n  ")}`);
  }
  return parsed.data;
}
