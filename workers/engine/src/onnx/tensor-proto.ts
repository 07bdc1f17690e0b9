import { EngineError } from "../errors.js";
import { bytesOfData, type DType, floatToHalf as floatToHalfBits, halfToFloat, type TensorData } from "../ir/dtype.js";
import { checkShapeLimits } from "../ir/limits.js";
import type { Tensor } from "../ir/tensor.js";
import { corrupt, decodeTensorBytes } from "./decode.js";
import { emptyTensor, ONNX_DTYPE, type OnnxTensor, onnxDTypeName } from "./schema.js";

/**
 * TensorProto ⇄ values. Inside the importer a constant is a `ConstValue`: an IR dtype, a shape and its
 * elements as numbers (float64), which is what constant folding computes on; it becomes IR tensor data only
 * when it lands in the graph. float32 values are kept rounded to float32 (Math.fround) so that folding gives
 * what a float32 runtime gives.
 */
export interface ConstValue {
  dtype: DType;
  shape: number[];
  values: Float64Array;
}

const ONNX_TO_DTYPE: Record<number, DType> = {
  [ONNX_DTYPE.FLOAT]: "float32",
  [ONNX_DTYPE.UINT8]: "uint8",
  [ONNX_DTYPE.INT8]: "int8",
  [ONNX_DTYPE.INT16]: "int16",
  [ONNX_DTYPE.INT32]: "int32",
  [ONNX_DTYPE.INT64]: "int64",
  [ONNX_DTYPE.BOOL]: "bool",
  [ONNX_DTYPE.FLOAT16]: "float16",
  // Held as the nearest IR type: doubles compute as float32 (ONNX models use them only in shape arithmetic),
  // unsigned integers as the next wider signed type.
  [ONNX_DTYPE.DOUBLE]: "float32",
  [ONNX_DTYPE.UINT16]: "int32",
  [ONNX_DTYPE.UINT32]: "int64",
  [ONNX_DTYPE.UINT64]: "int64",
};

const DTYPE_TO_ONNX: Record<DType, number> = {
  float32: ONNX_DTYPE.FLOAT,
  float16: ONNX_DTYPE.FLOAT16,
  int8: ONNX_DTYPE.INT8,
  uint8: ONNX_DTYPE.UINT8,
  int16: ONNX_DTYPE.INT16,
  int32: ONNX_DTYPE.INT32,
  int64: ONNX_DTYPE.INT64,
  bool: ONNX_DTYPE.BOOL,
};

/** The IR dtype an ONNX element type is held as; UNSUPPORTED_MODEL for strings, complex, bfloat16, float8… */
export function dtypeOfOnnx(code: number, what: string): DType {
  const d = ONNX_TO_DTYPE[code];
  if (!d) {
    throw new EngineError(
      "UNSUPPORTED_MODEL",
      `${what} has element type ${onnxDTypeName(code)}, which the engine does not handle`,
      {
        elemType: code,
      },
    );
  }
  return d;
}

/** The IR dtype of a runtime (non-constant) tensor: only types the IR holds exactly. */
export function runtimeDTypeOfOnnx(code: number, what: string): DType {
  const d = dtypeOfOnnx(code, what);
  if (
    code === ONNX_DTYPE.DOUBLE ||
    code === ONNX_DTYPE.UINT16 ||
    code === ONNX_DTYPE.UINT32 ||
    code === ONNX_DTYPE.UINT64
  ) {
    throw new EngineError(
      "UNSUPPORTED_MODEL",
      `${what} is a run-time ${onnxDTypeName(code)} tensor; export the model with float32 (or int8/int16) tensors`,
    );
  }
  return d;
}

export const onnxOfDType = (dtype: DType): number => DTYPE_TO_ONNX[dtype];

/** Rounds a number to what `dtype` can hold (float32 rounding, integer truncation and wrap-around). */
export function castNumber(v: number, dtype: DType): number {
  switch (dtype) {
    case "float32":
      return Math.fround(v);
    case "float16":
      return halfToFloat(floatToHalfBits(v));
    case "bool":
      return v !== 0 ? 1 : 0;
    case "int64":
      return Number.isFinite(v) ? Math.trunc(v) : 0;
    case "int32":
      return Math.trunc(v) | 0;
    case "int16":
      return (Math.trunc(v) << 16) >> 16;
    case "int8":
      return (Math.trunc(v) << 24) >> 24;
    case "uint8":
      return Math.trunc(v) & 0xff;
  }
}

/** Elements of a constant's shape, refused beyond the engine's bounds (MODEL_LIMITS) before anything is allocated. */
export function elementsOf(dims: readonly number[], what: string): number {
  for (const d of dims) if (!Number.isInteger(d) || d < 0) throw corrupt(`${what} has dimension ${d}`);
  checkShapeLimits(dims, `${what} ([${dims.join(", ")}])`);
  return dims.reduce((a, b) => a * b, 1);
}

/** The values of a TensorProto. External data is refused (the engine takes one self-contained file). */
export function constOfTensorProto(t: OnnxTensor, what = `tensor "${t.name}"`): ConstValue {
  if (t.dataLocation === 1 || t.externalData.length > 0) {
    throw new EngineError(
      "UNSUPPORTED_MODEL",
      `${what} keeps its data in an external file; save the model as one self-contained .onnx file (onnx.save_model(model, path, save_as_external_data=False)) and upload that`,
      { tensor: t.name },
    );
  }
  if (t.hasSegment)
    throw new EngineError(
      "UNSUPPORTED_MODEL",
      `${what} is a segment of a larger tensor, which the engine does not handle`,
    );
  const dtype = dtypeOfOnnx(t.dataType, what);
  const shape = t.dims.map((d) => d);
  const n = elementsOf(shape, what);
  const values = new Float64Array(n);
  const mismatch = (have: number) => corrupt(`${what} holds ${have} values for shape [${shape.join(", ")}]`);

  if (t.rawData) {
    const raw = t.rawData;
    const size = rawElementBytes(t.dataType);
    if (raw.length !== n * size) throw mismatch(Math.floor(raw.length / size));
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    for (let i = 0; i < n; i++) values[i] = readRaw(view, t.dataType, i);
  } else if (t.dataType === ONNX_DTYPE.FLOAT) {
    if (t.floatData.length !== n) throw mismatch(t.floatData.length);
    values.set(t.floatData);
  } else if (t.dataType === ONNX_DTYPE.DOUBLE) {
    if (t.doubleData.length !== n) throw mismatch(t.doubleData.length);
    for (let i = 0; i < n; i++) values[i] = Math.fround(t.doubleData[i] as number);
  } else if (t.dataType === ONNX_DTYPE.INT64) {
    if (t.int64Data.length !== n) throw mismatch(t.int64Data.length);
    for (let i = 0; i < n; i++) values[i] = Number(t.int64Data[i]);
  } else if (t.dataType === ONNX_DTYPE.UINT32 || t.dataType === ONNX_DTYPE.UINT64) {
    if (t.uint64Data.length !== n) throw mismatch(t.uint64Data.length);
    values.set(t.uint64Data);
  } else {
    // int32_data carries int32, int16, int8, uint16, uint8, bool and float16 (as its bits).
    if (t.int32Data.length !== n) throw mismatch(t.int32Data.length);
    for (let i = 0; i < n; i++) {
      const v = t.int32Data[i] as number;
      values[i] = t.dataType === ONNX_DTYPE.FLOAT16 ? halfToFloat(v & 0xffff) : castNumber(v, dtype);
    }
  }
  return { dtype, shape, values };
}

function rawElementBytes(code: number): number {
  switch (code) {
    case ONNX_DTYPE.INT64:
    case ONNX_DTYPE.UINT64:
    case ONNX_DTYPE.DOUBLE:
      return 8;
    case ONNX_DTYPE.FLOAT:
    case ONNX_DTYPE.INT32:
    case ONNX_DTYPE.UINT32:
      return 4;
    case ONNX_DTYPE.INT16:
    case ONNX_DTYPE.UINT16:
    case ONNX_DTYPE.FLOAT16:
      return 2;
    default:
      return 1;
  }
}

function readRaw(view: DataView, code: number, i: number): number {
  switch (code) {
    case ONNX_DTYPE.FLOAT:
      return view.getFloat32(i * 4, true);
    case ONNX_DTYPE.DOUBLE:
      return Math.fround(view.getFloat64(i * 8, true));
    case ONNX_DTYPE.INT64:
      return Number(view.getBigInt64(i * 8, true));
    case ONNX_DTYPE.UINT64:
      return Number(view.getBigUint64(i * 8, true));
    case ONNX_DTYPE.INT32:
      return view.getInt32(i * 4, true);
    case ONNX_DTYPE.UINT32:
      return view.getUint32(i * 4, true);
    case ONNX_DTYPE.INT16:
      return view.getInt16(i * 2, true);
    case ONNX_DTYPE.UINT16:
      return view.getUint16(i * 2, true);
    case ONNX_DTYPE.FLOAT16:
      return halfToFloat(view.getUint16(i * 2, true));
    case ONNX_DTYPE.INT8:
      return view.getInt8(i);
    case ONNX_DTYPE.BOOL:
      return view.getUint8(i) !== 0 ? 1 : 0;
    default:
      return view.getUint8(i);
  }
}

/** IR tensor data of a constant's values. */
export function dataOfConst(c: ConstValue): TensorData {
  const v = c.values;
  switch (c.dtype) {
    case "float32":
      return Float32Array.from(v);
    case "float16":
      return Uint16Array.from(v, (x) => floatToHalfBits(x));
    case "int8":
      return Int8Array.from(v);
    case "uint8":
    case "bool":
      return Uint8Array.from(v);
    case "int16":
      return Int16Array.from(v);
    case "int32":
      return Int32Array.from(v);
    case "int64":
      return BigInt64Array.from(v, (x) => BigInt(Math.trunc(x)));
  }
}

/** A TensorProto holding IR data as raw_data (little-endian, as ONNX stores it). */
export function tensorProtoOf(name: string, dtype: DType, shape: readonly number[], data: TensorData): OnnxTensor {
  const t = emptyTensor(name, onnxOfDType(dtype), [...shape]);
  t.rawData = bytesOfData(data).slice();
  return t;
}

/** An IR constant tensor from a serialized TensorProto (a model zoo `input_0.pb`, say). */
export function readTensorProto(bytes: Uint8Array): Tensor {
  const proto = decodeTensorBytes(bytes);
  const c = constOfTensorProto(proto);
  return { name: proto.name, dtype: c.dtype, shape: c.shape, data: dataOfConst(c) };
}
