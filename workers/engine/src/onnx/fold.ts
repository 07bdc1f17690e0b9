import { FOLD_MATH_RULES } from "./fold-math.js";
import type { FoldRule } from "./fold-rule.js";
import { FOLD_SHAPE_RULES } from "./fold-shape.js";

/**
 * Every op the importer folds when its inputs are constants (see fold-rule.ts): shape arithmetic and
 * value movement (fold-shape.ts), arithmetic and reductions (fold-math.ts).
 */
export const FOLD_RULES: Readonly<Record<string, FoldRule>> = { ...FOLD_SHAPE_RULES, ...FOLD_MATH_RULES };
