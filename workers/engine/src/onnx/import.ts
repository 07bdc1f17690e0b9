import { checkModelLimits } from "../analysis/limits.js";
import { EngineError } from "../errors.js";
import type { DType } from "../ir/dtype.js";
import { type Graph, removeDeadNodes } from "../ir/graph.js";
import { checkShapeLimits, MODEL_LIMITS, overLimit } from "../ir/limits.js";
import { verifyGraph } from "../ir/verify.js";
import { describeNode, NodeAttributes } from "./attributes.js";
import { ImportContext } from "./context.js";
import { CONVERTERS } from "./convert.js";
import { corrupt, decodeModel } from "./decode.js";
import { FOLD_RULES } from "./fold.js";
import type { FoldInput } from "./fold-rule.js";
import type { OnnxDim, OnnxGraph, OnnxModel, OnnxNode } from "./schema.js";
import { constOfTensorProto, runtimeDTypeOfOnnx } from "./tensor-proto.js";

/**
 * ONNX → IR. Reads the protobuf, refuses at once every op the engine cannot take (one error naming them all),
 * fixes the input shapes (a dynamic batch becomes 1), then walks the nodes in order: a node whose inputs are
 * all known folds to a constant, any other node goes through its converter. Opsets 1–6 are read with their
 * own attribute conventions (legacy `broadcast`, Reshape's `shape` attribute, string Cast targets…), so old
 * models come in as if upgraded. The result is verified and its shapes checked against the shapes the ONNX
 * file declares; shapes, attributes and totals must be within the engine's bounds (MODEL_LIMITS, OVER_LIMITS).
 */
export function importOnnx(bytes: Uint8Array, name: string): Graph {
  if (bytes.length === 0)
    throw new EngineError("EMPTY_MODEL_FILE", `the ONNX file "${name}" is empty; upload the model file again`);
  const model = decodeModel(bytes);
  const graph = model.graph;
  if (!graph) throw corrupt("it holds no graph");
  const opset = defaultOpset(model);
  refuseUnsupportedOps(graph);
  if (graph.nodes.length > MODEL_LIMITS.ops) throw overLimit("ops", graph.nodes.length, `the ONNX model "${name}"`);
  if (graph.sparseInitializerCount > 0) {
    throw new EngineError(
      "UNSUPPORTED_MODEL",
      "the model stores initializers as sparse tensors; save them dense and upload again",
    );
  }

  const nodes = topologicalOrder(graph.nodes);
  const uses = new Map<string, number>();
  for (const node of nodes) for (const i of node.inputs) if (i) uses.set(i, (uses.get(i) ?? 0) + 1);
  for (const o of graph.outputs) uses.set(o.name, (uses.get(o.name) ?? 0) + 1);

  const ctx = new ImportContext(name, opset, uses);
  const initializerNames = new Set<string>();
  for (const t of graph.initializers) {
    initializerNames.add(t.name);
    ctx.setValue(t.name, { kind: "const", value: constOfTensorProto(t, `initializer "${t.name}"`) });
  }
  for (const input of graph.inputs) {
    if (initializerNames.has(input.name)) continue; // IR < 4 lists initializers among the inputs
    const { dtype, shape } = staticInput(input.name, input.elemType, input.shape, input.isTensor);
    ctx.addInput(input.name, dtype, shape);
  }

  const declared = declaredShapes(graph);
  for (const node of nodes) {
    for (const out of node.outputs) {
      if (out && ctx.values.has(out)) throw corrupt(`value "${out}" is written twice`);
    }
    convertNode(ctx, node);
    for (const out of node.outputs) if (out) checkDeclaredShape(ctx, node, out, declared);
  }

  const ir = ctx.graph;
  for (const output of graph.outputs) {
    const v = ctx.values.get(output.name);
    if (!v) throw new EngineError("INVALID_GRAPH", `graph output "${output.name}" is never computed`);
    const tensor = v.kind === "tensor" ? v.name : ctx.materialize(v.value, output.name);
    ir.outputs.push(tensor === output.name ? tensor : renameOutput(ir, tensor, output.name));
  }
  if (ir.outputs.length === 0) throw corrupt("the graph has no outputs");
  removeDeadNodes(ir);
  verifyGraph(ir);
  checkModelLimits(ir);
  return ir;
}

function defaultOpset(model: OnnxModel): number {
  const entry = model.opsetImport.find((o) => o.domain === "" || o.domain === "ai.onnx");
  if (!entry) {
    if (model.opsetImport.length === 0) throw corrupt("it declares no opset");
    return 1; // only non-default domains: no standard op may appear, and every node is refused below
  }
  if (!Number.isInteger(entry.version) || entry.version < 1) throw corrupt(`it declares opset ${entry.version}`);
  return entry.version;
}

const SUPPORTED_OPS: ReadonlySet<string> = new Set([...Object.keys(CONVERTERS), ...Object.keys(FOLD_RULES)]);

const opLabel = (node: OnnxNode): string =>
  node.domain && node.domain !== "ai.onnx" ? `${node.opType} (domain ${node.domain})` : node.opType;

/** One UNSUPPORTED_OPS error naming every op (type and domain) the engine cannot import. */
function refuseUnsupportedOps(graph: OnnxGraph): void {
  const ops = new Set<string>();
  for (const node of graph.nodes) {
    if (!node.opType) throw corrupt(`a node${node.name ? ` ("${node.name}")` : ""} has no op type`);
    const standard = node.domain === "" || node.domain === "ai.onnx";
    if (!standard || !SUPPORTED_OPS.has(node.opType)) ops.add(opLabel(node));
  }
  if (ops.size === 0) return;
  const list = [...ops];
  throw new EngineError(
    "UNSUPPORTED_OPS",
    `the model uses ${list.length === 1 ? "an op" : `${list.length} ops`} the engine does not support: ${list.join(", ")}. Replace ${list.length === 1 ? "it" : "them"} with supported ops (convolutions, pooling, fully connected, elementwise, reshapes, softmax, quantize/dequantize) and export again`,
    { ops: list },
  );
}

/** The nodes in an order where each comes after the producers of its inputs (as ONNX requires; fixed if not). */
function topologicalOrder(nodes: OnnxNode[]): OnnxNode[] {
  const producer = new Map<string, number>();
  nodes.forEach((n, i) => {
    for (const o of n.outputs) if (o) producer.set(o, i);
  });
  const inOrder = nodes.every((n, i) => n.inputs.every((x) => (producer.get(x) ?? -1) < i));
  if (inOrder) return nodes;
  const state = new Uint8Array(nodes.length); // 0 new, 1 visiting, 2 done
  const order: OnnxNode[] = [];
  for (let start = 0; start < nodes.length; start++) {
    if (state[start]) continue;
    const stack: [number, number][] = [[start, 0]];
    state[start] = 1;
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as [number, number];
      const [i, next] = top;
      const node = nodes[i] as OnnxNode;
      if (next < node.inputs.length) {
        top[1]++;
        const p = producer.get(node.inputs[next] as string);
        if (p === undefined || state[p] === 2) continue;
        if (state[p] === 1) throw corrupt(`the graph has a cycle through ${describeNode(node)}`);
        state[p] = 1;
        stack.push([p, 0]);
      } else {
        state[i] = 2;
        order.push(node);
        stack.pop();
      }
    }
  }
  return order;
}

/** A model input's dtype and static shape: the batch dimension may be dynamic (it becomes 1), no other may. */
function staticInput(
  name: string,
  elemType: number | undefined,
  dims: OnnxDim[] | undefined,
  isTensor: boolean,
): { dtype: DType; shape: number[] } {
  if (!isTensor || elemType === undefined) {
    throw new EngineError(
      "UNSUPPORTED_MODEL",
      `model input "${name}" is not a typed tensor; the engine takes tensor inputs only`,
    );
  }
  const dtype = runtimeDTypeOfOnnx(elemType, `model input "${name}"`);
  if (!dims) {
    throw new EngineError(
      "UNSUPPORTED_MODEL",
      `model input "${name}" has no declared shape; export the model with static input shapes`,
      {
        input: name,
      },
    );
  }
  const shape = dims.map((d, i) => {
    if ("value" in d && d.value > 0) return d.value;
    if (i === 0 && dims.length > 1) return 1;
    const what = "param" in d ? `"${d.param}"` : "value" in d ? String(d.value) : "unknown";
    throw new EngineError(
      "UNSUPPORTED_MODEL",
      `model input "${name}" has a dynamic dimension ${i} (${what}); only the batch dimension may be dynamic: export the model with a fixed input shape`,
      { input: name, dimension: i },
    );
  });
  checkShapeLimits(shape, `model input "${name}" ([${shape.join(", ")}])`);
  return { dtype, shape };
}

function declaredShapes(graph: OnnxGraph): Map<string, OnnxDim[]> {
  const m = new Map<string, OnnxDim[]>();
  for (const v of [...graph.valueInfo, ...graph.outputs]) if (v.shape) m.set(v.name, v.shape);
  return m;
}

/** The engine's shape of an ONNX value must agree with the one the file declares (where it declares one). */
function checkDeclaredShape(ctx: ImportContext, node: OnnxNode, name: string, declared: Map<string, OnnxDim[]>): void {
  const dims = declared.get(name);
  const v = ctx.values.get(name);
  if (!dims || !v) return;
  const shape = v.kind === "const" ? v.value.shape : ctx.tensor(v.name).shape;
  const agrees =
    dims.length === shape.length && dims.every((d, i) => !("value" in d) || d.value <= 0 || d.value === shape[i]);
  if (!agrees) {
    const text = dims.map((d) => ("value" in d ? d.value : "param" in d ? d.param : "?")).join(", ");
    throw new EngineError(
      "INVALID_GRAPH",
      `${describeNode(node)}: the model declares "${name}" as [${text}], the engine computes [${shape.join(", ")}]`,
    );
  }
}

function convertNode(ctx: ImportContext, node: OnnxNode): void {
  const attrs = new NodeAttributes(node);
  const fold = FOLD_RULES[node.opType];
  if (fold) {
    const consts = node.inputs.map((i) => {
      if (!i) return undefined;
      const v = ctx.values.get(i);
      if (!v) throw new EngineError("INVALID_GRAPH", `${describeNode(node)} reads "${i}", which nothing computes`);
      return v.kind === "const" ? v.value : undefined;
    });
    const input: FoldInput = {
      consts,
      shapes: node.inputs.map((_, i) => ctx.shape(node, i)),
      dtypes: node.inputs.map((_, i) => ctx.dtype(node, i)),
      present: node.inputs.map((i) => i !== ""),
      opset: ctx.opset,
    };
    const ready = fold.needs ? fold.needs(input) : node.inputs.every((i, k) => !i || consts[k] !== undefined);
    if (ready) {
      const outputs = fold.evaluate(node, attrs, input);
      outputs.forEach((value, k) => {
        const out = node.outputs[k];
        if (out) ctx.setValue(out, { kind: "const", value });
      });
      return;
    }
  }
  const converter = CONVERTERS[node.opType];
  if (!converter) throw ctx.unsupported(node, `${node.opType} on a run-time tensor`);
  converter(ctx, node, attrs);
  for (const out of node.outputs.slice(0, 1)) {
    if (out && !ctx.values.has(out))
      throw new EngineError("INVALID_GRAPH", `${describeNode(node)} produced no value for "${out}"`);
  }
}

/** Gives a graph output's IR tensor the ONNX output name when that name is free. */
function renameOutput(ir: Graph, from: string, to: string): string {
  const t = ir.tensors.get(from);
  if (!t || t.data || ir.inputs.includes(from) || ir.tensors.has(to) || ir.outputs.includes(from)) return from;
  if (ir.nodes.some((n) => n.name === to)) return from;
  ir.tensors.delete(from);
  t.name = to;
  ir.tensors.set(to, t);
  for (const n of ir.nodes) {
    n.inputs = n.inputs.map((i) => (i === from ? to : i));
    n.outputs = n.outputs.map((o) => (o === from ? to : o));
  }
  return to;
}
