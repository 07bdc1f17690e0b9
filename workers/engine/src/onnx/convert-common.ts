import type { NodeAttributes } from "./attributes.js";
import type { ImportContext } from "./context.js";
import type { OnnxNode } from "./schema.js";

/**
 * What every ONNX op converter shares: its signature, and the small steps several op families take (a
 * Reshape of input 0, axes from an attribute or an input, a one-input IR op, a float32 scalar constant).
 */

/** Reads a node's inputs from the context, emits IR nodes and names the IR tensor of each output. */
export type Converter = (ctx: ImportContext, node: OnnxNode, attrs: NodeAttributes) => void;

export const FLOAT_MAX = 3.4028234663852886e38;

export const samePads = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/** A Reshape of input 0 to `shape`. */
export function reshapeTo(ctx: ImportContext, node: OnnxNode, shape: number[]): void {
  const out = ctx.emit(node, "Reshape", [ctx.tensorName(node, 0)], { shape }, { base: ctx.outName(node) });
  ctx.setOutput(node, 0, out);
}

export const axesInput = (
  ctx: ImportContext,
  node: OnnxNode,
  attrs: NodeAttributes,
  index: number,
): number[] | undefined => {
  const fromAttr = attrs.ints("axes");
  if (fromAttr) return fromAttr;
  if (!node.inputs[index]) return undefined;
  return Array.from(ctx.requireConstant(node, index, "axes input").values);
};

export function simple(op: "Relu" | "Logistic" | "Tanh" | "Identity"): Converter {
  return (ctx, node) => {
    ctx.setOutput(node, 0, ctx.emit(node, op, [ctx.tensorName(node, 0)], {}, { base: ctx.outName(node) }));
  };
}

/** A float32 scalar constant in the graph. */
export const scalar = (ctx: ImportContext, base: string, v: number): string =>
  ctx.addConstant(base, "float32", [], Float32Array.of(v));
