import { EngineError } from "../errors.js";
import type { Activation, ConvAttrs, Node, NodeOf, OpType, Padding, PoolAttrs } from "../ir/ops.js";
import { samePadding } from "../ir/shape-inference.js";

/**
 * Float32 reference kernels of the IR ops, NHWC, written for clarity first: the engine's own executor for
 * constant folding, calibration, bias correction and sensitivity analysis. Each is tested against ONNX
 * Runtime / TFLite on real models. A kernel takes its inputs' values and shapes and returns its outputs.
 */
export interface Value {
  data: Float32Array;
  shape: number[];
}
export type Kernel<T extends OpType> = (
  node: NodeOf<T>,
  inputs: (Value | undefined)[],
  outShapes: number[][],
) => Float32Array[];

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function applyActivation(data: Float32Array, activation: Activation): Float32Array {
  switch (activation) {
    case "none":
      return data;
    case "relu":
      for (let i = 0; i < data.length; i++) if ((data[i] as number) < 0) data[i] = 0;
      return data;
    case "relu6":
      for (let i = 0; i < data.length; i++) data[i] = Math.min(6, Math.max(0, data[i] as number));
      return data;
    case "relu_n1_to_1":
      for (let i = 0; i < data.length; i++) data[i] = Math.min(1, Math.max(-1, data[i] as number));
      return data;
    case "tanh":
      for (let i = 0; i < data.length; i++) data[i] = Math.tanh(data[i] as number);
      return data;
  }
}

const nhwcOnly = (node: Node & { attrs: { layout: string } }) => {
  if (node.attrs.layout !== "NHWC") {
    throw new EngineError("INVALID_GRAPH", `${node.op} "${node.name}" is NCHW: run the nchwToNhwc pass first`);
  }
};

const explicitPads = (
  padding: Padding,
  h: number,
  w: number,
  k: [number, number],
  s: [number, number],
  d: [number, number],
) => (padding === "valid" ? [0, 0, 0, 0] : padding === "same" ? samePadding(h, w, k, s, d) : padding);

function convolve(
  node: NodeOf<"Conv2D" | "DepthwiseConv2D">,
  x: Value,
  w: Value,
  bias: Value | undefined,
  outShape: number[],
  depthwise: boolean,
): Float32Array {
  const attrs: ConvAttrs = node.attrs;
  const [n, h, wd, c] = x.shape as [number, number, number, number];
  const [, oh, ow, oc] = outShape as [number, number, number, number];
  const kh = w.shape[1] as number;
  const kw = w.shape[2] as number;
  const [sh, sw] = attrs.strides;
  const [dh, dw] = attrs.dilations;
  const [pt, pl] = explicitPads(attrs.padding, h, wd, [kh, kw], attrs.strides, attrs.dilations);
  const out = new Float32Array(n * oh * ow * oc);
  const xd = x.data;
  const wdata = w.data;
  const mult = depthwise ? oc / c : 1;
  const acc = new Float64Array(oc);
  // Loop order: output position → kernel tap → output channel → input channel, so that the innermost loop
  // walks contiguous memory of both the input pixel and the weights (OHWI).
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        for (let o = 0; o < oc; o++) acc[o] = bias ? (bias.data[o] as number) : 0;
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * sh - (pt as number) + ky * dh;
          if (iy < 0 || iy >= h) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * sw - (pl as number) + kx * dw;
            if (ix < 0 || ix >= wd) continue;
            const xrow = ((b * h + iy) * wd + ix) * c;
            if (depthwise) {
              const wrow = (ky * kw + kx) * oc;
              for (let o = 0; o < oc; o++) {
                acc[o] = (acc[o] as number) + (xd[xrow + ((o / mult) | 0)] as number) * (wdata[wrow + o] as number);
              }
            } else {
              const tap = (ky * kw + kx) * c;
              const stride = kh * kw * c;
              for (let o = 0; o < oc; o++) {
                const wrow = o * stride + tap;
                let sum = 0;
                for (let i = 0; i < c; i++) sum += (xd[xrow + i] as number) * (wdata[wrow + i] as number);
                acc[o] = (acc[o] as number) + sum;
              }
            }
          }
        }
        out.set(acc, ((b * oh + oy) * ow + ox) * oc);
      }
    }
  }
  return applyActivation(out, attrs.activation);
}

function pool(node: NodeOf<"AveragePool2D" | "MaxPool2D">, x: Value, outShape: number[], max: boolean): Float32Array {
  nhwcOnly(node);
  const attrs: PoolAttrs = node.attrs;
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const [, oh, ow] = outShape as [number, number, number, number];
  const [fh, fw] = attrs.filter;
  const [sh, sw] = attrs.strides;
  const [pt, pl] = explicitPads(attrs.padding, h, w, attrs.filter, attrs.strides, [1, 1]);
  const out = new Float32Array(n * oh * ow * c);
  for (let b = 0; b < n; b++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++)
        for (let ch = 0; ch < c; ch++) {
          let acc = max ? Number.NEGATIVE_INFINITY : 0;
          let count = 0;
          for (let ky = 0; ky < fh; ky++) {
            const iy = oy * sh - (pt as number) + ky;
            if (iy < 0 || iy >= h) continue;
            for (let kx = 0; kx < fw; kx++) {
              const ix = ox * sw - (pl as number) + kx;
              if (ix < 0 || ix >= w) continue;
              const v = x.data[((b * h + iy) * w + ix) * c + ch] as number;
              if (max) acc = Math.max(acc, v);
              else acc += v;
              count++;
            }
          }
          // Padding is excluded from the average, as in TensorFlow Lite.
          out[((b * oh + oy) * ow + ox) * c + ch] = max ? acc : acc / Math.max(count, 1);
        }
  return applyActivation(out, attrs.activation);
}

const stridesOf = (shape: readonly number[]) => {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = (s[i + 1] as number) * (shape[i + 1] as number);
  return s;
};

function elementwise(a: Value, b: Value, outShape: number[], f: (x: number, y: number) => number): Float32Array {
  const out = new Float32Array(size(outShape));
  const rank = outShape.length;
  const pad = (s: number[]) => [...new Array<number>(rank - s.length).fill(1), ...s];
  const as = pad(a.shape);
  const bs = pad(b.shape);
  if (a.data.length === out.length && b.data.length === out.length) {
    for (let i = 0; i < out.length; i++) out[i] = f(a.data[i] as number, b.data[i] as number);
    return out;
  }
  if (b.data.length === 1) {
    const y = b.data[0] as number;
    for (let i = 0; i < out.length; i++) out[i] = f(a.data[i % a.data.length] as number, y);
    if (a.data.length === out.length) return out;
  }
  const ost = stridesOf(outShape);
  const ast = stridesOf(as);
  const bst = stridesOf(bs);
  for (let i = 0; i < out.length; i++) {
    let ai = 0;
    let bi = 0;
    let rem = i;
    for (let d = 0; d < rank; d++) {
      const idx = Math.floor(rem / (ost[d] as number));
      rem -= idx * (ost[d] as number);
      if ((as[d] as number) !== 1) ai += idx * (ast[d] as number);
      if ((bs[d] as number) !== 1) bi += idx * (bst[d] as number);
    }
    out[i] = f(a.data[ai] as number, b.data[bi] as number);
  }
  return out;
}

const map = (x: Value, f: (v: number) => number) => {
  const out = new Float32Array(x.data.length);
  for (let i = 0; i < out.length; i++) out[i] = f(x.data[i] as number);
  return out;
};

const req = (v: Value | undefined, node: Node): Value => {
  if (!v) throw new EngineError("INVALID_GRAPH", `${node.op} "${node.name}" misses an input`);
  return v;
};

export const REFERENCE_KERNELS: { [T in OpType]: Kernel<T> } = {
  Conv2D: (node, [x, w, b], [out]) => {
    nhwcOnly(node);
    return [convolve(node, req(x, node), req(w, node), b, out as number[], false)];
  },
  DepthwiseConv2D: (node, [x, w, b], [out]) => {
    nhwcOnly(node);
    return [convolve(node, req(x, node), req(w, node), b, out as number[], true)];
  },
  FullyConnected: (node, [x, w, b]) => {
    const wv = req(w, node);
    const [units, depth] = wv.shape as [number, number];
    const xd = req(x, node).data;
    const rows = xd.length / depth;
    const out = new Float32Array(rows * units);
    for (let r = 0; r < rows; r++)
      for (let u = 0; u < units; u++) {
        let acc = b ? (b.data[u] as number) : 0;
        const xo = r * depth;
        const wo = u * depth;
        for (let i = 0; i < depth; i++) acc += (xd[xo + i] as number) * (wv.data[wo + i] as number);
        out[r * units + u] = acc;
      }
    return [applyActivation(out, node.attrs.activation)];
  },
  MatMul: (node, [a, b], [outShape]) => {
    const A = req(a, node);
    const B = req(b, node);
    const os = outShape as number[];
    const m = os.at(-2) as number;
    const n = os.at(-1) as number;
    const k = node.attrs.transposeA ? (A.shape.at(-2) as number) : (A.shape.at(-1) as number);
    const batches = size(os.slice(0, -2));
    const aBatch = size(A.shape.slice(0, -2));
    const bBatch = size(B.shape.slice(0, -2));
    const out = new Float32Array(size(os));
    for (let bt = 0; bt < batches; bt++) {
      const ao = (bt % aBatch) * m * k;
      const bo = (bt % bBatch) * k * n;
      for (let i = 0; i < m; i++)
        for (let j = 0; j < n; j++) {
          let acc = 0;
          for (let t = 0; t < k; t++) {
            const av = node.attrs.transposeA ? A.data[ao + t * m + i] : A.data[ao + i * k + t];
            const bv = node.attrs.transposeB ? B.data[bo + j * k + t] : B.data[bo + t * n + j];
            acc += (av as number) * (bv as number);
          }
          out[bt * m * n + i * n + j] = acc;
        }
    }
    return [out];
  },
  AveragePool2D: (node, [x], [out]) => [pool(node, req(x, node), out as number[], false)],
  MaxPool2D: (node, [x], [out]) => [pool(node, req(x, node), out as number[], true)],
  Mean: (node, [x], [outShape]) => {
    const xv = req(x, node);
    const rank = xv.shape.length;
    const axes = new Set(node.attrs.axes.map((a) => (a < 0 ? a + rank : a)));
    const keptShape = xv.shape.map((d, i) => (axes.has(i) ? 1 : d));
    const out = new Float32Array(size(outShape as number[]));
    const xst = stridesOf(xv.shape);
    const kst = stridesOf(keptShape);
    for (let i = 0; i < xv.data.length; i++) {
      let o = 0;
      let rem = i;
      for (let d = 0; d < rank; d++) {
        const idx = Math.floor(rem / (xst[d] as number));
        rem -= idx * (xst[d] as number);
        if (!axes.has(d)) o += idx * (kst[d] as number);
      }
      out[o] = (out[o] as number) + (xv.data[i] as number);
    }
    const n = size(xv.shape) / out.length;
    for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) / n;
    return [out];
  },
  Reshape: (node, [x]) => [req(x, node).data.slice()],
  Transpose: (node, [x], [outShape]) => {
    const xv = req(x, node);
    const perm = node.attrs.perm;
    const os = outShape as number[];
    const xst = stridesOf(xv.shape);
    const ost = stridesOf(os);
    const out = new Float32Array(xv.data.length);
    for (let i = 0; i < out.length; i++) {
      let src = 0;
      let rem = i;
      for (let d = 0; d < os.length; d++) {
        const idx = Math.floor(rem / (ost[d] as number));
        rem -= idx * (ost[d] as number);
        src += idx * (xst[perm[d] as number] as number);
      }
      out[i] = xv.data[src] as number;
    }
    return [out];
  },
  Softmax: (node, [x]) => {
    const xv = req(x, node);
    const depth = xv.shape.at(-1) as number;
    const out = new Float32Array(xv.data.length);
    for (let r = 0; r < xv.data.length; r += depth) {
      let max = Number.NEGATIVE_INFINITY;
      for (let i = 0; i < depth; i++) max = Math.max(max, xv.data[r + i] as number);
      let sum = 0;
      for (let i = 0; i < depth; i++) {
        const e = Math.exp(((xv.data[r + i] as number) - max) * node.attrs.beta);
        out[r + i] = e;
        sum += e;
      }
      for (let i = 0; i < depth; i++) out[r + i] = (out[r + i] as number) / sum;
    }
    return [out];
  },
  Add: (node, [a, b], [o]) => [
    applyActivation(
      elementwise(req(a, node), req(b, node), o as number[], (x, y) => x + y),
      node.attrs.activation,
    ),
  ],
  Sub: (node, [a, b], [o]) => [
    applyActivation(
      elementwise(req(a, node), req(b, node), o as number[], (x, y) => x - y),
      node.attrs.activation,
    ),
  ],
  Mul: (node, [a, b], [o]) => [
    applyActivation(
      elementwise(req(a, node), req(b, node), o as number[], (x, y) => x * y),
      node.attrs.activation,
    ),
  ],
  Concat: (node, inputs, [outShape]) => {
    const os = outShape as number[];
    const rank = os.length;
    const axis = node.attrs.axis < 0 ? node.attrs.axis + rank : node.attrs.axis;
    const outer = size(os.slice(0, axis));
    const out = new Float32Array(size(os));
    const rowOut = size(os.slice(axis));
    let offset = 0;
    for (const input of inputs) {
      const v = req(input, node);
      const row = size(v.shape.slice(axis));
      for (let o = 0; o < outer; o++) out.set(v.data.subarray(o * row, (o + 1) * row), o * rowOut + offset);
      offset += row;
    }
    return [applyActivation(out, node.attrs.activation)];
  },
  Pad: (node, [x], [outShape]) => {
    const xv = req(x, node);
    const os = outShape as number[];
    const out = new Float32Array(size(os)).fill(node.attrs.value);
    const xst = stridesOf(xv.shape);
    const ost = stridesOf(os);
    for (let i = 0; i < xv.data.length; i++) {
      let o = 0;
      let rem = i;
      for (let d = 0; d < os.length; d++) {
        const idx = Math.floor(rem / (xst[d] as number));
        rem -= idx * (xst[d] as number);
        o += (idx + (node.attrs.pads[d]?.[0] ?? 0)) * (ost[d] as number);
      }
      out[o] = xv.data[i] as number;
    }
    return [out];
  },
  Relu: (node, [x]) => [map(req(x, node), (v) => (v < 0 ? 0 : v))],
  Relu6: (node, [x]) => [map(req(x, node), (v) => Math.min(6, Math.max(0, v)))],
  ReluN1To1: (node, [x]) => [map(req(x, node), (v) => Math.min(1, Math.max(-1, v)))],
  Clip: (node, [x]) => [map(req(x, node), (v) => Math.min(node.attrs.max, Math.max(node.attrs.min, v)))],
  Logistic: (node, [x]) => [map(req(x, node), (v) => 1 / (1 + Math.exp(-v)))],
  Tanh: (node, [x]) => [map(req(x, node), Math.tanh)],
  BatchNorm: (node, [x, scale, bias, mean, variance]) => {
    const xv = req(x, node);
    if (node.attrs.layout !== "NHWC") nhwcOnly(node);
    const c = xv.shape.at(-1) as number;
    const out = new Float32Array(xv.data.length);
    const [s, b, m, v] = [scale, bias, mean, variance].map((t) => req(t, node).data) as Float32Array[];
    for (let i = 0; i < out.length; i++) {
      const ch = i % c;
      out[i] =
        ((xv.data[i] as number) - (m?.[ch] as number)) *
          ((s?.[ch] as number) / Math.sqrt((v?.[ch] as number) + node.attrs.epsilon)) +
        (b?.[ch] as number);
    }
    return [out];
  },
  Quantize: (node, [x]) => [req(x, node).data.slice()],
  Dequantize: (node, [x]) => [req(x, node).data.slice()],
  Identity: (node, [x]) => [req(x, node).data.slice()],
};
