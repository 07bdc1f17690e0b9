import { EngineError } from "../errors.js";
import { DTYPES } from "./dtype.js";
import type { Graph } from "./graph.js";
import { FUSABLE_ACTIVATION_OPS, type Node, OP_TYPES, OPS, type OpAttrs, type OpType } from "./ops.js";
import { elementCount } from "./tensor.js";

/**
 * Checks the IR's invariants and throws one INVALID_GRAPH error listing every broken one:
 * - node names are unique, ops are in the vocabulary, input counts match the op;
 * - every named input exists and is a graph input, a constant, or the output of an earlier node (order);
 * - every tensor is produced at most once; graph outputs are produced; graph inputs are not constants;
 * - constant data holds exactly one element per element of the shape; dtypes are known;
 * - quantization parameters have matching scale/zero-point lengths, equal to the quantized axis's size, positive
 *   scales and zero points within their dtype's range;
 * - real-valued attributes are numbers the op can compute with (ATTRIBUTE_RULES);
 * - only conversions change a value's dtype.
 * Run between passes: a pass that breaks the graph is caught where it happened.
 */
export function verifyGraph(graph: Graph): void {
  const problems: string[] = [];
  const available = new Set<string>(graph.inputs);
  checkTensors(graph, problems, available);
  checkNodes(graph, problems, available);
  for (const output of graph.outputs) {
    if (!available.has(output)) problems.push(`graph output "${output}" is never computed`);
  }
  if (problems.length > 0) {
    throw new EngineError(
      "INVALID_GRAPH",
      `graph "${graph.name}" is invalid:\n  - ${problems.slice(0, 20).join("\n  - ")}${problems.length > 20 ? `\n  … and ${problems.length - 20} more` : ""}`,
      { problems },
    );
  }
}

/** The values a zero point can take for each integer dtype (a quantized value's own range). */
const ZERO_POINT_RANGE: Partial<Record<string, [number, number]>> = {
  int8: [-128, 127],
  uint8: [0, 255],
  int16: [-32768, 32767],
  int32: [-2147483648, 2147483647],
};

/**
 * The attributes an op's kernels, quantizer and C emitters can compute with: real numbers where the op's
 * arithmetic needs them (a NaN softmax beta would reach the generated C as `NaN`), in the ranges the op defines.
 * Shapes, axes, strides and paddings are checked by the shape rules (shape-inference.ts).
 */
const ATTRIBUTE_RULES: { readonly [T in OpType]?: (attrs: OpAttrs[T]) => string | undefined } = {
  Softmax: ({ beta }) => (Number.isFinite(beta) && beta > 0 ? undefined : `has beta ${beta} (a positive number)`),
  Clip: ({ min, max }) => (min <= max ? undefined : `clips to [${min}, ${max}]`),
  Pad: ({ value }) => (Number.isFinite(value) ? undefined : `pads with ${value}`),
  BatchNorm: ({ epsilon }) => (Number.isFinite(epsilon) && epsilon >= 0 ? undefined : `has epsilon ${epsilon}`),
};

/** Tensors and graph inputs; adds the constants to `available`. */
function checkTensors(graph: Graph, problems: string[], available: Set<string>): void {
  for (const [name, t] of graph.tensors) {
    if (name !== t.name) problems.push(`tensor key "${name}" holds a tensor named "${t.name}"`);
    if (!(DTYPES as readonly string[]).includes(t.dtype))
      problems.push(`tensor "${name}" has unknown dtype ${t.dtype}`);
    if (t.shape.some((d) => !Number.isInteger(d) || d < 0)) problems.push(`tensor "${name}" has shape [${t.shape}]`);
    if (t.data) {
      available.add(name);
      if (t.data.length !== elementCount(t.shape)) {
        problems.push(`constant "${name}" holds ${t.data.length} elements for shape [${t.shape.join(", ")}]`);
      }
    }
    if (t.quant) {
      const q = t.quant;
      if (q.scale.length === 0 || q.scale.length !== q.zeroPoint.length) {
        problems.push(`tensor "${name}" has ${q.scale.length} scales and ${q.zeroPoint.length} zero points`);
      } else if (q.scale.length > 1) {
        const axis = q.axis ?? 0;
        if (t.shape[axis] !== q.scale.length) {
          problems.push(`tensor "${name}" has ${q.scale.length} scales for axis ${axis} of size ${t.shape[axis]}`);
        }
      }
      if (q.scale.some((s) => !(s > 0) || !Number.isFinite(s)))
        problems.push(`tensor "${name}" has a non-positive scale`);
      const range = ZERO_POINT_RANGE[t.dtype];
      if (range && q.zeroPoint.some((z) => !Number.isInteger(z) || z < range[0] || z > range[1])) {
        problems.push(`tensor "${name}" has a zero point outside its ${t.dtype} range [${range.join(", ")}]`);
      }
    }
  }
  for (const input of graph.inputs) {
    const t = graph.tensors.get(input);
    if (!t) problems.push(`graph input "${input}" is not a tensor`);
    else if (t.data) problems.push(`graph input "${input}" is a constant`);
  }
}

/**
 * Only the conversions (Quantize, Dequantize) change a value's dtype: every other op writes what its first input
 * is (an int8 convolution writes int8, a float Softmax float32), as TFLite's kernels require when they prepare.
 */
function checkDtypes(graph: Graph, node: Node, problems: string[]): void {
  if (OPS[node.op].conversion) return;
  const dtype = graph.tensors.get(node.inputs[0] ?? "")?.dtype;
  for (const output of node.outputs) {
    const written = graph.tensors.get(output)?.dtype;
    if (dtype && written && written !== dtype) {
      problems.push(`${node.op} "${node.name}" reads ${dtype} and writes ${written} ("${output}")`);
    }
  }
}

/** Nodes in order: names, ops, arity, inputs computed before they are read, outputs written once. */
function checkNodes(graph: Graph, problems: string[], available: Set<string>): void {
  const ops = new Set<string>(OP_TYPES);
  const produced = new Set<string>();
  const nodeNames = new Set<string>();
  for (const node of graph.nodes) {
    if (nodeNames.has(node.name)) problems.push(`two nodes are named "${node.name}"`);
    nodeNames.add(node.name);
    if (!ops.has(node.op)) {
      problems.push(`node "${node.name}" has unknown op ${node.op}`);
      continue;
    }
    const [min, max] = OPS[node.op].arity;
    const given = node.inputs.filter((i) => i !== "").length;
    if (given < min || node.inputs.length > max) {
      problems.push(`${node.op} "${node.name}" takes ${min}..${max} inputs, has ${node.inputs.length}`);
    }
    for (const [slot, input] of node.inputs.entries()) {
      if (input === "") {
        if (slot < min) problems.push(`${node.op} "${node.name}" misses required input ${slot}`);
        continue;
      }
      if (!graph.tensors.has(input)) problems.push(`${node.op} "${node.name}" reads missing tensor "${input}"`);
      else if (!available.has(input)) {
        problems.push(`${node.op} "${node.name}" reads "${input}" before it is computed (nodes out of order?)`);
      }
    }
    if (node.outputs.length === 0) problems.push(`${node.op} "${node.name}" has no output`);
    for (const output of node.outputs) {
      const t = graph.tensors.get(output);
      if (!t) problems.push(`${node.op} "${node.name}" writes missing tensor "${output}"`);
      else if (t.data) problems.push(`${node.op} "${node.name}" writes constant "${output}"`);
      if (produced.has(output) || graph.inputs.includes(output)) problems.push(`tensor "${output}" is written twice`);
      produced.add(output);
      available.add(output);
    }
    checkDtypes(graph, node, problems);
    const rule = ATTRIBUTE_RULES[node.op] as ((attrs: unknown) => string | undefined) | undefined;
    const wrong = rule?.(node.attrs);
    if (wrong) problems.push(`${node.op} "${node.name}" ${wrong}`);
    const activation = (node.attrs as { activation?: string }).activation;
    if (activation !== undefined && activation !== "none" && !FUSABLE_ACTIVATION_OPS.has(node.op)) {
      problems.push(`${node.op} "${node.name}" cannot carry a fused activation`);
    }
  }
}
