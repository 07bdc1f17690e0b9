export {
  type Executor,
  type IoQuantization,
  ioQuantizationOf,
  onnxRuntimeExecutor,
  referenceExecutor,
} from "./executors.js";
export { argmax, type Fidelity, fidelityOf, type Quality, qualityOf } from "./metrics.js";
