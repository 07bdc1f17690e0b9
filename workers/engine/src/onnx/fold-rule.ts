import type { DType } from "../ir/dtype.js";
import { describeNode, type NodeAttributes } from "./attributes.js";
import { invalid } from "./onnx-shapes.js";
import { type OnnxNode, onnxDTypeNamed } from "./schema.js";
import { type ConstValue, castNumber, dtypeOfOnnx } from "./tensor-proto.js";

/**
 * Constant folding: ONNX ops evaluated on constants at import time, one evaluator an op. Exporters such as
 * tf2onnx compute shapes at run time (Shape → Gather → Concat → Reshape); with static shapes all of that is
 * known during import and becomes constants, so the IR sees a plain Reshape.
 *
 * An evaluator receives the node's inputs as constants (undefined for an absent optional input) and the shapes
 * of all inputs (Shape and Size need only the shape of a run-time tensor), and returns the outputs.
 */
/**
 * Constant folding: ONNX ops evaluated on constants at import time, one evaluator an op. Exporters such as
 * tf2onnx compute shapes at run time (Shape → Gather → Concat → Reshape); with static shapes all of that is
 * known during import and becomes constants, so the IR sees a plain Reshape.
 *
 * An evaluator receives the node's inputs as constants (undefined for an absent optional input) and the shapes
 * of all inputs (Shape and Size need only the shape of a run-time tensor), and returns the outputs.
 */
export interface FoldInput {
  /** The constant value of each input; undefined for a run-time tensor or an absent input. */
  consts: (ConstValue | undefined)[];
  /** The shape of each input ([] for an absent one). */
  shapes: number[][];
  /** The dtype of each input. */
  dtypes: (DType | undefined)[];
  /** Whether each input slot names a value (an optional input may be absent). */
  present: boolean[];
  opset: number;
}

export type Evaluator = (node: OnnxNode, attrs: NodeAttributes, input: FoldInput) => ConstValue[];

export interface FoldRule {
  /** Which inputs must be constants for the op to fold (default: every present input). */
  needs?: (input: FoldInput) => boolean;
  evaluate: Evaluator;
}

export const make = (dtype: DType, shape: number[], values: Float64Array | number[]): ConstValue => {
  const v = values instanceof Float64Array ? values : Float64Array.from(values);
  if (dtype !== "float32" || v.some((x) => x !== Math.fround(x)))
    for (let i = 0; i < v.length; i++) v[i] = castNumber(v[i] as number, dtype);
  return { dtype, shape, values: v };
};

export const arg = (node: OnnxNode, input: FoldInput, i: number): ConstValue => {
  const c = input.consts[i];
  if (!c) throw invalid(node, `input ${i} is missing`);
  return c;
};

export const ints = (c: ConstValue | undefined): number[] | undefined => (c ? Array.from(c.values) : undefined);

/** Axes given as an attribute (older opsets) or as an optional second input (newer ones). */
export function axesOf(attrs: NodeAttributes, input: FoldInput, inputIndex: number): number[] | undefined {
  return attrs.ints("axes") ?? ints(input.consts[inputIndex]);
}

export function castTarget(node: OnnxNode, attrs: NodeAttributes): DType {
  const to = attrs.intOrString("to");
  if (to === undefined) throw invalid(node, "has no `to` attribute");
  if (typeof to === "number") return dtypeOfOnnx(to, describeNode(node));
  const code = onnxDTypeNamed(to.toUpperCase());
  if (code === undefined) throw invalid(node, `casts to unknown type "${to}"`);
  return dtypeOfOnnx(code, describeNode(node));
}
