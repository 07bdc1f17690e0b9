import * as ort from "onnxruntime-node";
import { type Dataset, sampleOf } from "../dataset/dataset.js";
import { EngineError } from "../errors.js";
import type { Graph } from "../ir/graph.js";
import type { Tensor } from "../ir/tensor.js";
import { QUANT_RANGE, quantizeValue } from "../runtime/quant-math.js";

/** Runs a model on every sample of a dataset and returns its first output per sample, as real values. */
export interface Executor {
  name: string;
  runAll(data: Dataset): Promise<Float32Array[]>;
}

/** Integer I/O of a quantized model: float samples are quantized on the way in, outputs dequantized. */
export interface IoQuantization {
  input?: { dtype: "int8" | "int16"; scale: number; zeroPoint: number };
  output?: { scale: number; zeroPoint: number };
}

/** The integer input/output parameters of a graph whose first input/output are quantized. */
export function ioQuantizationOf(graph: Graph): IoQuantization {
  const input = graph.tensors.get(graph.inputs[0] as string) as Tensor;
  const output = graph.tensors.get(graph.outputs[0] as string) as Tensor;
  const io: IoQuantization = {};
  if (input.quant && (input.dtype === "int8" || input.dtype === "int16")) {
    io.input = {
      dtype: input.dtype,
      scale: input.quant.scale[0] as number,
      zeroPoint: input.quant.zeroPoint[0] as number,
    };
  }
  if (output.quant && (output.dtype === "int8" || output.dtype === "int16")) {
    io.output = { scale: output.quant.scale[0] as number, zeroPoint: output.quant.zeroPoint[0] as number };
  }
  return io;
}

/**
 * ONNX Runtime (CPU) on an ONNX model with one input and a first output read as real values: a float model,
 * or a quantized one whose integer input and output are converted with `io`.
 */
export async function onnxRuntimeExecutor(
  onnx: Uint8Array,
  name = "onnxruntime",
  io: IoQuantization = {},
): Promise<Executor> {
  const session = await ort.InferenceSession.create(onnx, {
    graphOptimizationLevel: "all",
    intraOpNumThreads: 1,
  }).catch((e: Error) => {
    throw new EngineError("INVALID_GRAPH", `ONNX Runtime refused the exported model: ${e.message}`);
  });
  const [inputName] = session.inputNames;
  const [outputName] = session.outputNames;
  return {
    name,
    async runAll(data) {
      const outputs: Float32Array[] = [];
      for (let i = 0; i < data.count; i++) {
        const sample = sampleOf(data, i);
        let tensor: ort.Tensor;
        if (io.input) {
          const { dtype, scale, zeroPoint } = io.input;
          const [qmin, qmax] = QUANT_RANGE[dtype] as [number, number];
          const q = Array.from(sample, (v) => quantizeValue(v, scale, zeroPoint, qmin, qmax));
          tensor = new ort.Tensor(dtype, dtype === "int8" ? Int8Array.from(q) : Int16Array.from(q), data.sampleShape);
        } else {
          tensor = new ort.Tensor("float32", sample.slice(), data.sampleShape);
        }
        // A model ONNX Runtime loaded but cannot run (a shape or size it refuses at run time) is the model's
        // problem, reported as its load failure is; the engine's bounds at import keep absurd sizes from getting here.
        const result = await session.run({ [inputName as string]: tensor }).catch((e: Error) => {
          throw new EngineError("INVALID_GRAPH", `ONNX Runtime could not run the exported model: ${e.message}`);
        });
        const out = (result[outputName as string] as ort.Tensor).data as ArrayLike<number>;
        const o = io.output;
        outputs.push(o ? Float32Array.from(out, (v) => (Number(v) - o.zeroPoint) * o.scale) : Float32Array.from(out));
      }
      return outputs;
    },
  };
}
