/**
 * The runtime's `tml_<kernel>_get_buffer_size` rules, computed here identically so that the arena size is a
 * compile-time constant. One rule per kernel and architecture twin (sdk/embedded/src/<arch>/); the plan takes
 * the largest over the twins, so one generated model fits whichever `TML_ARCH` it is built for, and
 * `tml_model_init` asks the linked kernels again and refuses to run if one wants more than was planned.
 *
 * Today every kernel of sdk/embedded (the reference twins in src/ref/) computes directly without scratch
 * memory: each rule is 0. A twin that needs scratch adds its rule here.
 */

export interface ScratchShapes {
  /** NHWC dims as the kernel receives them. */
  input: readonly number[];
  filter?: readonly number[];
  output: readonly number[];
}

type Rule = (shapes: ScratchShapes) => number;

const none: Rule = () => 0;

/** Rules by public kernel name, then architecture twin. */
export const SCRATCH_RULES: Record<string, Record<"ref" | "armv7em" | "rv32im", Rule>> = {
  tml_conv2d_s8: { ref: none, armv7em: none, rv32im: none },
  tml_conv2d_s16: { ref: none, armv7em: none, rv32im: none },
  tml_depthwise_conv2d_s8: { ref: none, armv7em: none, rv32im: none },
  tml_depthwise_conv2d_s16: { ref: none, armv7em: none, rv32im: none },
  tml_fully_connected_s8: { ref: none, armv7em: none, rv32im: none },
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
