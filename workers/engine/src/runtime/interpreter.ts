import { EngineError } from "../errors.js";
import type { Graph } from "../ir/graph.js";
import type { Node, OpType } from "../ir/ops.js";
import type { Tensor } from "../ir/tensor.js";
import { fakeQuantize, realValues } from "./quant-math.js";
import { type Kernel, REFERENCE_KERNELS, type Value } from "./reference-kernels.js";

export interface RunOptions {
  /**
   * Simulate quantization: every activation tensor with int8/int16 quantization parameters is rounded onto
   * its grid after it is computed (and graph inputs before use). A predicate limits it to some tensors.
   */
  fakeQuant?: boolean | ((tensor: Tensor) => boolean);
  /** Called with every computed tensor (graph inputs included), e.g. to collect calibration statistics. */
  observe?: (name: string, data: Float32Array) => void;
  /** Real values that replace constants for this run (e.g. fake-quantized weights). */
  constants?: ReadonlyMap<string, Float32Array>;
}

/**
 * Executes a graph (NHWC) in float32 with the reference kernels, one sample at a time. Constants are
 * decoded once to real values; quantized graphs run on real values (the dequantized view of each tensor).
 */
export class ReferenceInterpreter {
  private readonly constants = new Map<string, Float32Array>();

  constructor(readonly graph: Graph) {
    for (const [name, t] of graph.tensors) if (t.data) this.constants.set(name, realValues(t));
  }

  /** Re-reads a constant's real values after its data was changed in the graph. */
  refreshConstant(name: string): void {
    const t = this.graph.tensors.get(name);
    if (t?.data) this.constants.set(name, realValues(t));
  }

  /**
   * Runs many samples together, node by node: before each node, `beforeNode` sees the node and a reader of
   * any computed tensor of any sample (and may change constants, then call refreshConstant). Returns the
   * graph outputs of every sample. Used where a decision about a node needs statistics over all samples of
   * what reaches it (bias correction).
   */
  runLayerwise(
    samples: Float32Array[],
    options: RunOptions & {
      beforeNode?: (node: Node, read: (sample: number, name: string) => Float32Array) => void;
    } = {},
  ): Float32Array[][] {
    const { graph } = this;
    const fq = options.fakeQuant;
    const shouldQuantize = (t: Tensor) =>
      t.quant !== undefined && t.quant.scale.length === 1 && (fq === true || (typeof fq === "function" && fq(t)));
    const values = samples.map((x) => {
      const m = new Map<string, Value>();
      const name = graph.inputs[0] as string;
      const t = graph.tensors.get(name) as Tensor;
      const data = x.slice();
      if (fq && shouldQuantize(t)) fakeQuantize(data, t.quant as NonNullable<Tensor["quant"]>, t.dtype);
      m.set(name, { data, shape: t.shape });
      return m;
    });
    const valueNamed = (m: Map<string, Value>, name: string): Value | undefined => {
      if (name === "") return undefined;
      const v = m.get(name);
      if (v) return v;
      const data = this.constants.get(name);
      if (!data) throw new EngineError("INVALID_GRAPH", `tensor "${name}" is read before it is computed`);
      return { data, shape: (graph.tensors.get(name) as Tensor).shape };
    };
    for (const node of graph.nodes) {
      options.beforeNode?.(node, (s, name) => (valueNamed(values[s] as Map<string, Value>, name) as Value).data);
      const kernel = REFERENCE_KERNELS[node.op] as Kernel<OpType>;
      const outShapes = node.outputs.map((o) => (graph.tensors.get(o) as Tensor).shape);
      for (const m of values) {
        const outs = kernel(
          node as never,
          node.inputs.map((i) => valueNamed(m, i)),
          outShapes,
        );
        node.outputs.forEach((name, i) => {
          const t = graph.tensors.get(name) as Tensor;
          const data = outs[i] as Float32Array;
          if (fq && shouldQuantize(t)) fakeQuantize(data, t.quant as NonNullable<Tensor["quant"]>, t.dtype);
          m.set(name, { data, shape: t.shape });
        });
        // Free what no later node needs: the samples together would otherwise hold every activation.
      }
    }
    return values.map((m) => graph.outputs.map((o) => (valueNamed(m, o) as Value).data));
  }

  /** Runs one sample; returns the values of the requested tensors (graph outputs by default). */
  run(
    inputs: Float32Array[],
    options: RunOptions = {},
    wanted: readonly string[] = this.graph.outputs,
  ): Float32Array[] {
    const { graph } = this;
    if (inputs.length !== graph.inputs.length) {
      throw new EngineError("INVALID_DATASET", `the model takes ${graph.inputs.length} inputs, got ${inputs.length}`);
    }
    const fq = options.fakeQuant;
    const shouldQuantize = (t: Tensor) =>
      t.quant !== undefined && t.quant.scale.length === 1 && (fq === true || (typeof fq === "function" && fq(t)));
    const values = new Map<string, Value>();
    graph.inputs.forEach((name, i) => {
      const t = graph.tensors.get(name) as Tensor;
      const data = (inputs[i] as Float32Array).slice();
      if (data.length !== t.shape.reduce((a, b) => a * b, 1)) {
        throw new EngineError("INVALID_DATASET", `input ${name} needs ${t.shape.join("×")} values, got ${data.length}`);
      }
      if (fq && shouldQuantize(t)) fakeQuantize(data, t.quant as NonNullable<Tensor["quant"]>, t.dtype);
      options.observe?.(name, data);
      values.set(name, { data, shape: t.shape });
    });
    const valueNamed = (name: string): Value | undefined => {
      if (name === "") return undefined;
      const v = values.get(name);
      if (v) return v;
      const t = graph.tensors.get(name) as Tensor;
      const data = options.constants?.get(name) ?? this.constants.get(name);
      if (!data) throw new EngineError("INVALID_GRAPH", `tensor "${name}" is read before it is computed`);
      return { data, shape: t.shape };
    };
    for (const node of graph.nodes) {
      const kernel = REFERENCE_KERNELS[node.op] as Kernel<OpType>;
      const outShapes = node.outputs.map((o) => (graph.tensors.get(o) as Tensor).shape);
      const outs = kernel(node as never, node.inputs.map(valueNamed), outShapes);
      node.outputs.forEach((name, i) => {
        const t = graph.tensors.get(name) as Tensor;
        const data = outs[i] as Float32Array;
        if (fq && shouldQuantize(t)) fakeQuantize(data, t.quant as NonNullable<Tensor["quant"]>, t.dtype);
        options.observe?.(name, data);
        values.set(name, { data, shape: t.shape });
      });
    }
    return wanted.map((name) => {
      const v = valueNamed(name);
      if (!v) throw new EngineError("INVALID_GRAPH", `tensor "${name}" was not computed`);
      return v.data;
    });
  }
}
