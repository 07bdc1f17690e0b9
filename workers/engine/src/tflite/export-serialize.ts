import { Builder } from "flatbuffers";
import { bytesOfData, type DType } from "../ir/dtype.js";
import type { Graph } from "../ir/graph.js";
import type { Tensor } from "../ir/tensor.js";
import { alignedBytes, int32Vector, offsetVector, writeOptions, writeQuantization } from "./export-flatbuffer.js";
import type { ExportPlan, PlannedOp } from "./export-plan.js";
import { opVersion } from "./op-version.js";
import {
  BUFFER,
  BUILTIN,
  type BuiltinName,
  DEPRECATED_CODE_LIMIT,
  MODEL,
  OPERATOR,
  OPERATOR_CODE,
  SUBGRAPH,
  TENSOR,
  TENSOR_TYPE,
  TFLITE_FILE_IDENTIFIER,
  TFLITE_SCHEMA_VERSION,
} from "./schema.js";

const TENSOR_TYPE_OF_DTYPE: Record<DType, number> = {
  float32: TENSOR_TYPE.FLOAT32,
  float16: TENSOR_TYPE.FLOAT16,
  int8: TENSOR_TYPE.INT8,
  uint8: TENSOR_TYPE.UINT8,
  int16: TENSOR_TYPE.INT16,
  int32: TENSOR_TYPE.INT32,
  int64: TENSOR_TYPE.INT64,
  bool: TENSOR_TYPE.BOOL,
};

/**
 * Buffers first, the largest objects, each aligned; buffer 0 is the empty buffer TFLite reserves. Gives the
 * buffer tables and the buffer index of each tensor that holds data.
 */
function writeBuffers(b: Builder, plan: ExportPlan): { buffers: number[]; bufferOf: Map<Tensor, number> } {
  const bufferData: number[] = [];
  const bufferOf = new Map<Tensor, number>();
  for (const t of plan.tensors) {
    if (!t.data) continue;
    bufferData.push(alignedBytes(b, bytesOfData(t.data)));
    bufferOf.set(t, bufferData.length);
  }
  const buffers = [0, ...bufferData].map((data) => {
    b.startObject(3);
    if (data !== 0) b.addFieldOffset(BUFFER.data, data, 0);
    return b.endObject();
  });
  return { buffers, bufferOf };
}

function writeTensors(b: Builder, plan: ExportPlan, bufferOf: Map<Tensor, number>): number[] {
  return plan.tensors.map((t) => {
    const name = b.createString(t.name);
    const shape = int32Vector(b, t.shape);
    const quant = t.quant ? writeQuantization(b, t.quant) : 0;
    b.startObject(10);
    b.addFieldOffset(TENSOR.shape, shape, 0);
    b.addFieldInt8(TENSOR.type, TENSOR_TYPE_OF_DTYPE[t.dtype], null);
    b.addFieldInt32(TENSOR.buffer, bufferOf.get(t) ?? 0, 0);
    b.addFieldOffset(TENSOR.name, name, 0);
    if (quant) b.addFieldOffset(TENSOR.quantization, quant, 0);
    return b.endObject();
  });
}

/** One version per builtin, the highest its ops need (as TFLite's UpdateOpVersion does), in order of first use. */
function operatorVersions(plan: ExportPlan): Map<BuiltinName, number> {
  const versions = new Map<BuiltinName, number>();
  const signatureOf = (op: PlannedOp) => ({
    inputs: op.inputs.map((i) => {
      const t = plan.tensors[i];
      return t ? { dtype: t.dtype, rank: t.shape.length, quant: t.quant } : undefined;
    }),
    outputs: op.outputs.map((i) => {
      const t = plan.tensors[i] as Tensor;
      return { dtype: t.dtype, rank: t.shape.length, quant: t.quant };
    }),
    options: op.options?.values ?? {},
  });
  for (const op of plan.ops) {
    versions.set(op.builtin, Math.max(versions.get(op.builtin) ?? 1, opVersion(op.builtin, signatureOf(op))));
  }
  return versions;
}

/** One operator code per builtin, with both code fields (the deprecated one saturates at its limit). */
function writeOperatorCodes(b: Builder, versions: Map<BuiltinName, number>): number[] {
  return [...versions.keys()].map((name) => {
    const code = BUILTIN[name];
    b.startObject(4);
    b.addFieldInt8(OPERATOR_CODE.deprecatedBuiltinCode, Math.min(code, DEPRECATED_CODE_LIMIT), null);
    b.addFieldInt32(OPERATOR_CODE.version, versions.get(name) ?? 1, null);
    b.addFieldInt32(OPERATOR_CODE.builtinCode, code, null);
    return b.endObject();
  });
}

function writeOperators(b: Builder, plan: ExportPlan, codes: BuiltinName[]): number[] {
  return plan.ops.map((op) => {
    const inputs = int32Vector(b, op.inputs);
    const outputs = int32Vector(b, op.outputs);
    const opts = op.options ? writeOptions(b, op.options.table, op.options.values) : 0;
    b.startObject(9);
    b.addFieldInt32(OPERATOR.opcodeIndex, codes.indexOf(op.builtin), 0);
    b.addFieldOffset(OPERATOR.inputs, inputs, 0);
    b.addFieldOffset(OPERATOR.outputs, outputs, 0);
    if (op.options) {
      b.addFieldInt8(OPERATOR.builtinOptionsType, op.options.table.unionType, 0);
      b.addFieldOffset(OPERATOR.builtinOptions, opts, 0);
    }
    return b.endObject();
  });
}

/** The single subgraph, "main", with the graph's inputs and outputs. */
function writeSubgraph(b: Builder, plan: ExportPlan, graph: Graph, tensors: number[], operators: number[]): number {
  const subgraphName = b.createString("main");
  const tensorVector = offsetVector(b, tensors);
  const inputs = int32Vector(
    b,
    graph.inputs.map((n) => plan.index(n)),
  );
  const outputs = int32Vector(
    b,
    graph.outputs.map((n) => plan.index(n)),
  );
  const operatorVector = offsetVector(b, operators);
  b.startObject(5);
  b.addFieldOffset(SUBGRAPH.tensors, tensorVector, 0);
  b.addFieldOffset(SUBGRAPH.inputs, inputs, 0);
  b.addFieldOffset(SUBGRAPH.outputs, outputs, 0);
  b.addFieldOffset(SUBGRAPH.operators, operatorVector, 0);
  b.addFieldOffset(SUBGRAPH.name, subgraphName, 0);
  return b.endObject();
}

function writeModel(b: Builder, graph: Graph, operatorCodes: number[], subgraph: number, buffers: number[]): number {
  const description = b.createString(`tinyml engine: ${graph.name}`);
  const codeVector = offsetVector(b, operatorCodes);
  const subgraphVector = offsetVector(b, [subgraph]);
  const bufferVector = offsetVector(b, buffers);
  b.startObject(8);
  b.addFieldInt32(MODEL.version, TFLITE_SCHEMA_VERSION, 0);
  b.addFieldOffset(MODEL.operatorCodes, codeVector, 0);
  b.addFieldOffset(MODEL.subgraphs, subgraphVector, 0);
  b.addFieldOffset(MODEL.description, description, 0);
  b.addFieldOffset(MODEL.buffers, bufferVector, 0);
  return b.endObject();
}

/**
 * Writes a planned graph as a TFLite flatbuffer. Flatbuffers are built back to front, so the stages run in a
 * fixed order (buffers, tensors, operator codes, operators, subgraph, model): changing it changes the file's bytes.
 */
export function serialize(plan: ExportPlan, graph: Graph): Uint8Array {
  const estimate = plan.tensors.reduce((n, t) => n + (t.data?.byteLength ?? 0) + 256, 4096);
  const b = new Builder(estimate);
  const { buffers, bufferOf } = writeBuffers(b, plan);
  const tensors = writeTensors(b, plan, bufferOf);
  const versions = operatorVersions(plan);
  const operatorCodes = writeOperatorCodes(b, versions);
  const operators = writeOperators(b, plan, [...versions.keys()]);
  const subgraph = writeSubgraph(b, plan, graph, tensors, operators);
  b.finish(writeModel(b, graph, operatorCodes, subgraph, buffers), TFLITE_FILE_IDENTIFIER);
  return b.asUint8Array().slice();
}
