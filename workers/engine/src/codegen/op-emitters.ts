import type { OpType } from "../ir/ops.js";
import { conv2dEmitter, depthwiseConv2dEmitter, fullyConnectedEmitter } from "./emit-conv.js";
import {
  addEmitter,
  concatEmitter,
  mulEmitter,
  padEmitter,
  quantizeEmitter,
  reshapeEmitter,
} from "./emit-elementwise.js";
import { logisticEmitter, softmaxEmitter, tanhEmitter } from "./emit-nonlinear.js";
import { avgPoolEmitter, maxPoolEmitter, meanEmitter } from "./emit-pool.js";
import type { OpEmitter } from "./emitter.js";

/**
 * Code generation is this table: IR op → the emitter that calls the runtime's kernel for it. An op missing here
 * (float-only ops, Sub, standalone ReLU, float16 Dequantize, …) is refused with UNSUPPORTED_OPS naming every
 * such op of the graph at once.
 */
export const OP_EMITTERS: Partial<Record<OpType, OpEmitter>> = {
  Conv2D: conv2dEmitter,
  DepthwiseConv2D: depthwiseConv2dEmitter,
  FullyConnected: fullyConnectedEmitter,
  AveragePool2D: avgPoolEmitter,
  MaxPool2D: maxPoolEmitter,
  Mean: meanEmitter,
  Softmax: softmaxEmitter,
  Logistic: logisticEmitter,
  Tanh: tanhEmitter,
  Add: addEmitter,
  Mul: mulEmitter,
  Quantize: quantizeEmitter,
  Pad: padEmitter,
  Concat: concatEmitter,
  Reshape: reshapeEmitter,
  Identity: reshapeEmitter,
};
