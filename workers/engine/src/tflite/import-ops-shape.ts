import type { OpImporter, OpImporters } from "./import-context.js";
import { CONCATENATION_OPTIONS, RESHAPE_OPTIONS, TENSOR_TYPE_NAMES } from "./schema.js";

const padImporter: OpImporter = (ctx) => {
  const flat = ctx.constantInts(1, "paddings");
  if (!flat) return ctx.unsupported("takes its paddings from a tensor computed at run time");
  const rank = ctx.tensor(0)?.shape.length ?? 0;
  if (flat.length !== 2 * rank) ctx.fail(`has ${flat.length} padding values for a rank-${rank} input`);
  if (flat.some((p) => p < 0)) ctx.fail("has negative paddings");
  const pads: [number, number][] = [];
  for (let i = 0; i < rank; i++) pads.push([flat[2 * i] as number, flat[2 * i + 1] as number]);
  const fill = ctx.tensor(2);
  if (fill && fill.type !== ctx.tensor(0)?.type) {
    // The 16x8 converter writes a float32 fill value for int16 input; TFLite refuses that file too.
    ctx.fail(
      `fills its ${TENSOR_TYPE_NAMES[ctx.tensor(0)?.type ?? -1]} input with a ${TENSOR_TYPE_NAMES[fill.type]} value`,
    );
  }
  return ctx.node("Pad", [ctx.input(0)], { pads, value: ctx.constantReal(2) ?? 0 });
};

/** Ops that move or pad data: their constant shape, permutation and paddings inputs become attributes. */
export const SHAPE_IMPORTERS: OpImporters = {
  RESHAPE: (ctx) => {
    // The shape input wins over the options (as in TFLite); a shape computed at run time is read from the
    // output tensor, whose shape the file records.
    const fromInput = ctx.constantInts(1, "shape");
    const fromOptions = ctx.inputIndex(1) < 0 ? ctx.options(RESHAPE_OPTIONS).newShape : undefined;
    const outIndex = ctx.op.outputs[0] ?? -1;
    const shape = fromInput ?? fromOptions ?? (outIndex >= 0 ? ctx.tensorShape(outIndex) : []);
    return ctx.node("Reshape", [ctx.input(0)], { shape });
  },
  TRANSPOSE: (ctx) => {
    const perm = ctx.constantInts(1, "permutation");
    if (!perm) return ctx.unsupported("takes its permutation from a tensor computed at run time");
    return ctx.node("Transpose", [ctx.input(0)], { perm });
  },
  CONCATENATION: (ctx) => {
    const o = ctx.options(CONCATENATION_OPTIONS);
    const inputs = ctx.op.inputs.map((_, slot) => ctx.input(slot));
    return ctx.node("Concat", inputs, { axis: o.axis, activation: ctx.activation(o.fusedActivationFunction) });
  },
  PAD: padImporter,
  PADV2: padImporter,
};
