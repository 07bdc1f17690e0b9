/**
 * The runtime's `tml_<kernel>_get_buffer_size` rules, computed here identically so that the arena size is a
 * compile-time constant. One rule per kernel and architecture twin (sdk/embedded/src/<arch>/); the plan takes
 * the largest over the twins, so one generated model fits whichever `TML_ARCH` it is built for, and
 * `tml_model_init` asks the linked kernels again and refuses to run if one wants more than was planned.
 *
 * The reference twins (src/ref/) compute directly, without scratch. The Armv7E-M twins (src/armv7em/) keep one
 * im2col column of int16 activations: conv2d_s8 needs kh · kw · (input channels per group) · 2 bytes, fully
 * connected s8 one input row, depth · 2 bytes; their depthwise convolution needs none. A twin that needs
 * scratch adds its rule here (the host tests build the twins too, so a stale rule fails tml_model_init).
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
/** One int16 im2col column: the filter's kh · kw · c values. */
const im2colColumn: Rule = ({ filter }) => dim(filter, 1) * dim(filter, 2) * dim(filter, 3) * 2;
/** One int16 input row of a fully connected layer: filter dims {out, 1, 1, depth}. */
const fcRow: Rule = ({ filter }) => dim(filter, 3) * 2;

/** Rules by public kernel name, then architecture twin. */
export const SCRATCH_RULES: Record<string, Record<"ref" | "armv7em" | "rv32im", Rule>> = {
  tml_conv2d_s8: { ref: none, armv7em: im2colColumn, rv32im: none },
  tml_conv2d_s16: { ref: none, armv7em: none, rv32im: none },
  tml_depthwise_conv2d_s8: { ref: none, armv7em: none, rv32im: none },
  tml_depthwise_conv2d_s16: { ref: none, armv7em: none, rv32im: none },
  tml_fully_connected_s8: { ref: none, armv7em: fcRow, rv32im: none },
  tml_fully_connected_s16: { ref: none, armv7em: none, rv32im: none },
  tml_avgpool_s8: { ref: none, armv7em: none, rv32im: none },
  tml_avgpool_s16: { ref: none, armv7em: none, rv32im: none },
};

/** Scratch bytes of a kernel call: the largest over its architecture twins (0 for kernels without a rule). */
export function scratchRule(kernel: string, shapes: ScratchShapes): number {
  const rules = SCRATCH_RULES[kernel];
  if (!rules) return 0;
  return Math.max(...Object.values(rules).map((rule) => rule(shapes)));
}
