import type { OpImporter, OpImporters } from "./import-context.js";
import { CONVOLUTION_IMPORTERS } from "./import-ops-convolution.js";
import { ELEMENTWISE_IMPORTERS } from "./import-ops-elementwise.js";
import { POOLING_IMPORTERS } from "./import-ops-pooling.js";
import { SHAPE_IMPORTERS } from "./import-ops-shape.js";

/** The importer registry: TFLite builtin operator name → IR node, one family a file. */
const IMPORTERS: OpImporters = {
  ...CONVOLUTION_IMPORTERS,
  ...POOLING_IMPORTERS,
  ...SHAPE_IMPORTERS,
  ...ELEMENTWISE_IMPORTERS,
};

/** The TFLite builtin operators the importer supports. */
export const TFLITE_IMPORTABLE_OPS: ReadonlySet<string> = new Set(Object.keys(IMPORTERS));

/**
 * The registry's default, for an operator without an importer. importTflite refuses every such operator (all
 * together, with advice) before building the graph, so it is reached only when buildGraph runs without that
 * check; it then names the operator rather than failing on a missing handler.
 */
const cannotImport: OpImporter = (ctx) => ctx.fail("cannot be imported");

/** The importer of a TFLite builtin operator. */
export const importerOf = (builtin: string): OpImporter => IMPORTERS[builtin] ?? cannotImport;
