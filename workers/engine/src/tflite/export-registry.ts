import type { Graph } from "../ir/graph.js";
import type { Node } from "../ir/ops.js";
import { CONVOLUTION_EXPORTERS } from "./export-ops-convolution.js";
import { ELEMENTWISE_EXPORTERS, ELEMENTWISE_REFUSALS } from "./export-ops-elementwise.js";
import { POOLING_EXPORTERS, POOLING_REFUSALS } from "./export-ops-pooling.js";
import { SHAPE_EXPORTERS } from "./export-ops-shape.js";
import type { OpExporters, OpRefusal, OpRefusals } from "./export-plan.js";

/** The exporter registry: IR op → TFLite operators, one family a file. Ops without an entry are refused. */
export const EXPORTERS: OpExporters = {
  ...CONVOLUTION_EXPORTERS,
  ...POOLING_EXPORTERS,
  ...SHAPE_EXPORTERS,
  ...ELEMENTWISE_EXPORTERS,
};

/** Ops with an exporter that still refuse some of their nodes (attributes TFLite has no form for). */
const REFUSALS: OpRefusals = { ...POOLING_REFUSALS, ...ELEMENTWISE_REFUSALS };

/** Why a node cannot be written as TFLite (undefined when it can). */
export function unexportable(node: Node, graph: Graph): string | undefined {
  if (!EXPORTERS[node.op]) return node.op;
  const layout = (node.attrs as { layout?: string }).layout;
  if (layout !== undefined && layout !== "NHWC") return `${node.op} (NCHW layout: run nchwToNhwc first)`;
  const refusal = REFUSALS[node.op] as OpRefusal<typeof node.op> | undefined;
  return refusal?.(node as never, graph);
}
