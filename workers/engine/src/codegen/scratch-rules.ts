/**
 * The runtime's `tml_<kernel>_get_buffer_size` rules, computed here identically so that the arena size is a
 * compile-time constant. One rule per kernel and architecture twin (sdk/embedded/src/<arch>/); the plan takes
 * the largest over the twins, so one generated model fits whichever `TML_ARCH` it is built for, and
 * `tml_model_init` asks the linked kernels again and refuses to run if one wants more than was planned.
 *
 * The reference twins (src/ref/) compute directly, without scratch. The optimized twins (src/armv7em/,
 * src/rv32im/) prepare a per-output-channel requantization table (tml_channel_requant, five int32: 20 bytes)
 * beside their accumulators, and gather im2col columns of int16 activations:
 *   conv2d_s8            Cout · (20 + 2 · 4) + columns · kh · kw · c · 2   (columns: 4 on Armv7E-M — two
 *                        gathered and their interleaving —, 2 on RV32IM)
 *   depthwise_conv2d_s8  Cout · (3 · 4 + 20)
 *   fully_connected_s8   depth · 2 (one input row as int16)
 * A twin that needs scratch adds its rule here; scratch-rules.test.ts compiles the runtime and checks every
 * rule against its C `_get_buffer_size`, and `tml_model_init` refuses a plan a linked kernel exceeds.
 */

export interface ScratchShapes {
  /** NHWC dims as the kernel receives them. */
  input: readonly number[];
  filter?: readonly number[];
  output: readonly number[];
}

type Rule = (shapes: ScratchShapes) => number;

const none: Rule = () => 0;
const dim = (d: readonly number[] | undefined, i: number) => (d?.[i] ?? 0) as number;
/** sizeof(tml_channel_requant) in src/common/tml_output_stage.h: five int32 fields. */
const CHANNEL_REQUANT_BYTES = 20;
/** Per-output-channel requantization table, two int32 accumulators per channel, and `columns` im2col columns. */
const im2colConv =
  (columns: number): Rule =>
  ({ filter, output }) =>
    dim(output, 3) * (CHANNEL_REQUANT_BYTES + 2 * 4) + columns * dim(filter, 1) * dim(filter, 2) * dim(filter, 3) * 2;
/** Per-channel table and three int32 accumulators per output channel. */
const depthwiseTable: Rule = ({ output }) => dim(output, 3) * (3 * 4 + CHANNEL_REQUANT_BYTES);
/** One int16 input row of a fully connected layer: filter dims {out, 1, 1, depth}. */
const fcRow: Rule = ({ filter }) => dim(filter, 3) * 2;

/** Rules by public kernel name, then architecture twin. */
export const SCRATCH_RULES: Record<string, Record<"ref" | "armv7em" | "rv32im", Rule>> = {
  tml_conv2d_s8: { ref: none, armv7em: im2colConv(4), rv32im: im2colConv(2) },
  tml_conv2d_s16: { ref: none, armv7em: none, rv32im: none },
  tml_depthwise_conv2d_s8: { ref: none, armv7em: depthwiseTable, rv32im: depthwiseTable },
  tml_depthwise_conv2d_s16: { ref: none, armv7em: none, rv32im: none },
  tml_fully_connected_s8: { ref: none, armv7em: fcRow, rv32im: fcRow },
  tml_fully_connected_s16: { ref: none, armv7em: none, rv32im: none },
  tml_fully_connected_per_channel_s8: { ref: none, armv7em: none, rv32im: none },
  tml_fully_connected_per_channel_s16: { ref: none, armv7em: none, rv32im: none },
  tml_avgpool_s8: { ref: none, armv7em: none, rv32im: none },
  tml_avgpool_s16: { ref: none, armv7em: none, rv32im: none },
};

/** Scratch bytes of a kernel call: the largest over its architecture twins (0 for kernels without a rule). */
export function scratchRule(kernel: string, shapes: ScratchShapes): number {
  const rules = SCRATCH_RULES[kernel];
  if (!rules) return 0;
  return Math.max(...Object.values(rules).map((rule) => rule(shapes)));
}
