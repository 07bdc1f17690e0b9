import { EngineError } from "../errors.js";
import { describeNode } from "./attributes.js";
import type { OnnxNode } from "./schema.js";

/**
 * ONNX's shape rules for the ops whose output shape depends on values (Reshape's 0 and -1, Squeeze,
 * Unsqueeze, Flatten) and numpy broadcasting; shared by constant folding and by the converters that turn
 * these ops into IR Reshapes.
 */

export const invalid = (node: OnnxNode, why: string): EngineError =>
  new EngineError("INVALID_GRAPH", `${describeNode(node)}: ${why}`);

export function normalizeAxis(node: OnnxNode, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) throw invalid(node, `axis ${axis} is out of range for rank ${rank}`);
  return a;
}

export const product = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

/** Reshape's target: 0 copies the input dimension (unless allowzero), one -1 takes what is left. */
export function reshapeTarget(
  node: OnnxNode,
  input: readonly number[],
  spec: readonly number[],
  allowZero: boolean,
): number[] {
  const out = spec.map((d, i) => {
    if (d === 0 && !allowZero) {
      if (i >= input.length)
        throw invalid(node, `shape [${spec.join(", ")}] copies dimension ${i} of a rank-${input.length} input`);
      return input[i] as number;
    }
    return d;
  });
  const total = product(input);
  const unknown = out.filter((d) => d === -1).length;
  if (unknown > 1 || out.some((d) => d < -1 || !Number.isInteger(d)))
    throw invalid(node, `bad shape [${spec.join(", ")}]`);
  const known = out.reduce((a, d) => (d === -1 ? a : a * d), 1);
  if (unknown === 1) {
    if (known === 0 || total % known !== 0)
      throw invalid(node, `cannot reshape [${input.join(", ")}] to [${spec.join(", ")}]`);
    out[out.indexOf(-1)] = total / known;
  } else if (known !== total) {
    throw invalid(node, `cannot reshape [${input.join(", ")}] to [${spec.join(", ")}]`);
  }
  return out;
}

export function squeezeShape(node: OnnxNode, input: readonly number[], axes: readonly number[] | undefined): number[] {
  if (axes === undefined || axes.length === 0) return input.filter((d) => d !== 1);
  const drop = new Set(axes.map((a) => normalizeAxis(node, a, input.length)));
  for (const a of drop) if (input[a] !== 1) throw invalid(node, `cannot squeeze axis ${a} of size ${input[a]}`);
  return input.filter((_, i) => !drop.has(i));
}

export function unsqueezeShape(node: OnnxNode, input: readonly number[], axes: readonly number[]): number[] {
  const rank = input.length + axes.length;
  const add = new Set(axes.map((a) => normalizeAxis(node, a, rank)));
  if (add.size !== axes.length) throw invalid(node, `repeated axes [${axes.join(", ")}]`);
  const out: number[] = [];
  let j = 0;
  for (let i = 0; i < rank; i++) out.push(add.has(i) ? 1 : (input[j++] as number));
  return out;
}

export function flattenShape(node: OnnxNode, input: readonly number[], axis: number): number[] {
  const a = axis < 0 ? axis + input.length : axis;
  if (a < 0 || a > input.length) throw invalid(node, `axis ${axis} is out of range for rank ${input.length}`);
  return [product(input.slice(0, a)), product(input.slice(a))];
}

export function broadcastShapes(node: OnnxNode, shapes: readonly (readonly number[])[]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    let d = 1;
    for (const s of shapes) {
      const v = s[s.length - rank + i] ?? 1;
      if (v !== 1 && d !== 1 && v !== d) {
        throw invalid(node, `cannot broadcast ${shapes.map((x) => `[${x.join(", ")}]`).join(" with ")}`);
      }
      if (v !== 1) d = v;
      else if (d === 1) d = v;
    }
    out.push(d);
  }
  return out;
}

/**
 * Opsets before 7 broadcast only with `broadcast=1`, aligning B with A from `axis` (default: the trailing
 * dimensions). The shape B must take to broadcast the numpy way (ones appended after it).
 */
export function legacyBroadcastShape(
  node: OnnxNode,
  a: readonly number[],
  b: readonly number[],
  broadcast: number,
  axis: number | undefined,
): number[] {
  if (!broadcast) {
    if (a.length !== b.length || a.some((d, i) => d !== b[i])) {
      throw invalid(node, `shapes [${a.join(", ")}] and [${b.join(", ")}] differ and broadcast is not set`);
    }
    return [...b];
  }
  const start = axis === undefined ? a.length - b.length : axis < 0 ? axis + a.length : axis;
  if (start < 0 || start + b.length > a.length) throw invalid(node, `broadcast axis ${axis} does not fit`);
  return [...b, ...new Array<number>(a.length - start - b.length).fill(1)];
}
