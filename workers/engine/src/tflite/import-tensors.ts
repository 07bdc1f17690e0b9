import { EngineError } from "../errors.js";
import { DTYPE_BYTES, type DType, dataFromBytes, type TensorData } from "../ir/dtype.js";
import type { Graph } from "../ir/graph.js";
import { checkShapeLimits } from "../ir/limits.js";
import { elementCount, type QuantParams, type Tensor } from "../ir/tensor.js";
import type { TfliteModel, TfliteOperator, TfliteSubGraph, TfliteTensor } from "./reader.js";
import { builtinName, TENSOR_TYPE, TENSOR_TYPE_NAMES } from "./schema.js";

/** TFLite tensor types the IR holds. */
const DTYPE_OF_TENSOR_TYPE: ReadonlyMap<number, DType> = new Map([
  [TENSOR_TYPE.FLOAT32, "float32"],
  [TENSOR_TYPE.FLOAT16, "float16"],
  [TENSOR_TYPE.INT32, "int32"],
  [TENSOR_TYPE.UINT8, "uint8"],
  [TENSOR_TYPE.INT64, "int64"],
  [TENSOR_TYPE.BOOL, "bool"],
  [TENSOR_TYPE.INT16, "int16"],
  [TENSOR_TYPE.INT8, "int8"],
]);

/**
 * The tensors of the subgraph being imported, checked and turned into IR tensors of `graph` on first use (each
 * TFLite index gets one unique IR name). Constant data is copied out of the file within a budget, so that a
 * file whose tensors share one buffer many times cannot make the import use unbounded memory.
 */
export class TensorImporter {
  readonly graph: Graph;
  private readonly names = new Map<number, string>();
  private readonly usedNames = new Set<string>();
  private readonly producers = new Map<number, TfliteOperator>();
  private copiedBytes = 0;
  private readonly copyBudget: number;

  constructor(
    private readonly model: TfliteModel,
    private readonly subgraph: TfliteSubGraph,
    name: string,
    fileSize: number,
  ) {
    this.graph = { name, tensors: new Map(), nodes: [], inputs: [], outputs: [] };
    this.copyBudget = 4 * fileSize + (1 << 20);
    for (const op of subgraph.operators) for (const o of op.outputs) this.producers.set(o, op);
  }

  /** The builtin name of the operator that computes tensor `index`; undefined for constants and inputs. */
  producerName(index: number): string | undefined {
    const producer = this.producers.get(index);
    return producer ? builtinName(this.model.operatorCodes[producer.opcodeIndex]?.builtinCode ?? -1) : undefined;
  }

  /** The first input of the operator that computes tensor `index` (-1 when none). */
  producerInput(index: number): number {
    return this.producers.get(index)?.inputs[0] ?? -1;
  }

  corrupt(why: string): never {
    throw new EngineError(
      "CORRUPT_MODEL",
      `the TFLite model "${this.graph.name}" is corrupt: ${why}; re-export it from its framework and upload it again`,
      { reason: why },
    );
  }

  fileTensor(index: number): TfliteTensor {
    const t = this.subgraph.tensors[index];
    if (!t) return this.corrupt(`tensor index ${index} is out of range (${this.subgraph.tensors.length} tensors)`);
    return t;
  }

  private uniqueTensorName(base: string): string {
    let name = base;
    for (let i = 1; this.usedNames.has(name); i++) name = `${base}_${i}`;
    this.usedNames.add(name);
    return name;
  }

  private dtypeOf(t: TfliteTensor, index: number): DType {
    const dtype = DTYPE_OF_TENSOR_TYPE.get(t.type);
    if (!dtype) {
      throw new EngineError(
        "UNSUPPORTED_MODEL",
        `tensor ${index} ("${t.name}") of "${this.graph.name}" has type ${TENSOR_TYPE_NAMES[t.type] ?? t.type}; ` +
          "the engine handles float32, float16, int8, uint8, int16, int32, int64 and bool tensors",
        { tensor: t.name, type: t.type },
      );
    }
    return dtype;
  }

  /** The constant data of tensor `index`, or undefined when its buffer is empty (an activation). */
  constantData(index: number): TensorData | undefined {
    const t = this.fileTensor(index);
    if (t.buffer === 0) return undefined;
    const buffer = this.model.buffers[t.buffer];
    if (!buffer) return this.corrupt(`tensor ${index} uses buffer ${t.buffer} of ${this.model.buffers.length}`);
    if (buffer.size > 0n || buffer.offset > 1n) {
      throw new EngineError(
        "UNSUPPORTED_MODEL",
        `"${this.graph.name}" stores tensor data outside its flatbuffer (the layout of models over 2 GB); ` +
          "models that large do not fit a microcontroller",
      );
    }
    if (buffer.data.length === 0) return undefined;
    const dtype = this.dtypeOf(t, index);
    this.checkShape(t, index);
    const expected = elementCount(t.shape) * DTYPE_BYTES[dtype];
    if (buffer.data.length !== expected) {
      this.corrupt(
        `tensor ${index} ("${t.name}") of shape [${t.shape}] holds ${buffer.data.length} bytes, not ${expected}`,
      );
    }
    this.copiedBytes += expected;
    if (this.copiedBytes > this.copyBudget) this.corrupt("its tensors share buffers far more than a model's do");
    return dataFromBytes(dtype, buffer.data);
  }

  hasData(index: number): boolean {
    const t = this.fileTensor(index);
    return t.buffer !== 0 && (this.model.buffers[t.buffer]?.data.length ?? 0) > 0;
  }

  private checkShape(t: TfliteTensor, index: number): void {
    if (t.shape.some((d) => d < 0)) {
      throw new EngineError(
        "UNSUPPORTED_MODEL",
        `tensor ${index} ("${t.name}") of "${this.graph.name}" has a dynamic shape [${t.shape}]; ` +
          "re-export the model with fixed input shapes",
      );
    }
    checkShapeLimits(t.shape, `tensor ${index} ("${t.name}") of "${this.graph.name}", of shape [${t.shape}],`);
  }

  private quantOf(t: TfliteTensor, index: number, dtype: DType): QuantParams | undefined {
    const q = t.quantization;
    if (!q || q.scale.length === 0) return undefined;
    if (q.hasDetails) {
      throw new EngineError("UNSUPPORTED_MODEL", `tensor ${index} of "${this.graph.name}" uses custom quantization`);
    }
    if (q.zeroPoint.length !== q.scale.length) {
      this.corrupt(`tensor ${index} has ${q.scale.length} scales and ${q.zeroPoint.length} zero points`);
    }
    if (q.scale.some((s) => !(s > 0 && Number.isFinite(s)))) {
      // Some converters leave zeroed quantization on float and integer helper tensors: meaningless, dropped.
      if (dtype === "float32" || dtype === "int32" || dtype === "int64" || dtype === "bool") return undefined;
      this.corrupt(`tensor ${index} ("${t.name}") has a non-positive quantization scale`);
    }
    // Old converters wrote per-channel biases with the filter's quantized_dimension (3 on a 1-D bias); TFLite
    // ignores it there, and the only dimension of a 1-D tensor is what it means.
    const axis = t.shape.length === 1 && q.scale.length > 1 ? 0 : q.quantizedDimension;
    if (q.scale.length > 1 && !(axis >= 0 && axis < t.shape.length && t.shape[axis] === q.scale.length)) {
      this.corrupt(`tensor ${index} has ${q.scale.length} scales for dimension ${axis} of shape [${t.shape}]`);
    }
    const params: QuantParams = { scale: [...q.scale], zeroPoint: [...q.zeroPoint] };
    if (q.scale.length > 1 || (axis > 0 && axis < t.shape.length)) params.axis = axis;
    return params;
  }

  /** Refuses the kinds of tensor the IR has no form for: variables (state) and sparse storage. */
  private refuseUnsupported(t: TfliteTensor, index: number): void {
    if (t.isVariable) {
      throw new EngineError(
        "UNSUPPORTED_MODEL",
        `tensor ${index} ("${t.name}") of "${this.graph.name}" is a variable (a stateful model); the engine imports stateless models only`,
      );
    }
    if (t.hasSparsity) {
      throw new EngineError(
        "UNSUPPORTED_MODEL",
        `tensor ${index} ("${t.name}") of "${this.graph.name}" is stored sparse; re-convert the model without sparsity`,
      );
    }
  }

  /** The IR name of TFLite tensor `index`, creating the IR tensor (with its constant data) on first use. */
  tensorName(index: number): string {
    const known = this.names.get(index);
    if (known !== undefined) return known;
    const t = this.fileTensor(index);
    this.refuseUnsupported(t, index);
    const dtype = this.dtypeOf(t, index);
    this.checkShape(t, index);
    const name = this.uniqueTensorName(t.name || `tensor_${index}`);
    const tensor: Tensor = { name, dtype, shape: [...t.shape] };
    const quant = this.quantOf(t, index, dtype);
    if (quant) tensor.quant = quant;
    const data = this.constantData(index);
    if (data) tensor.data = data;
    this.graph.tensors.set(name, tensor);
    this.names.set(index, name);
    return name;
  }

  /** A new activation tensor shaped like `like`, of another dtype (no quantization). */
  newTensorLike(base: string, like: string, dtype: DType): string {
    const source = this.graph.tensors.get(like);
    const name = this.uniqueTensorName(base);
    this.graph.tensors.set(name, { name, dtype, shape: [...(source?.shape ?? [])] });
    return name;
  }
}
