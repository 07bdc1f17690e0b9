import type { Graph } from "../ir/graph.js";
import { inferShapes } from "../ir/shape-inference.js";
import { verifyGraph } from "../ir/verify.js";
import { dequantizeWeights } from "./dequantize-weights.js";
import { foldBatchNorm } from "./fold-batch-norm.js";
import { foldConstants } from "./fold-constants.js";
import { foldScaleShift } from "./fold-scale-shift.js";
import { fuseActivations } from "./fuse-activations.js";
import { nchwToNhwc } from "./nchw-to-nhwc.js";
import type { Pass } from "./pass.js";
import { removeIdentity } from "./remove-identity.js";
import { simplifyReshapes } from "./simplify-reshapes.js";
import { sinkTransposes } from "./sink-transposes.js";

/** The passes every imported model goes through before analysis and quantization, in order. */
const STANDARD_PASSES: readonly Pass[] = [
  dequantizeWeights,
  removeIdentity,
  foldConstants,
  nchwToNhwc,
  sinkTransposes,
  foldBatchNorm,
  foldConstants,
  fuseActivations,
  foldScaleShift,
  sinkTransposes,
  simplifyReshapes,
];

export interface PassRecord {
  pass: string;
  changed: boolean;
  nodes: number;
}

/**
 * Runs the passes in order, repeating the list until none changes the graph (at most `maxRounds` times).
 * The graph is verified and its shapes re-inferred after every pass that changed it, so a pass that breaks
 * an invariant is named in the error.
 */
export function runPasses(graph: Graph, passes: readonly Pass[] = STANDARD_PASSES, maxRounds = 4): PassRecord[] {
  const log: PassRecord[] = [];
  verifyGraph(graph);
  for (let round = 0; round < maxRounds; round++) {
    let any = false;
    for (const pass of passes) {
      const changed = pass.run(graph);
      log.push({ pass: pass.name, changed, nodes: graph.nodes.length });
      if (!changed) continue;
      any = true;
      try {
        verifyGraph(graph);
        inferShapes(graph);
      } catch (e) {
        if (e instanceof Error) e.message = `after pass ${pass.name}: ${e.message}`;
        throw e;
      }
    }
    if (!any) break;
  }
  return log;
}
