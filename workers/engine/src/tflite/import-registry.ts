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
 * The default: importTflite refuses unsupported operators, all together and with advice, before it imports
 * anything, so an operator reaches this only if that check and the registry disagree; it is then named as
 * an operator the engine cannot import.
 */
const cannotImport: OpImporter = (ctx) => ctx.fail("cannot be imported");

/** The importer of a TFLite builtin operator. */
export const importerOf = (builtin: string): OpImporter => IMPORTERS[builtin] ?? cannotImport;
