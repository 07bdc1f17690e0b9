#!/usr/bin/env node
import { resolve } from "node:path";
import { REPO_ROOT } from "../services/launch.js";
import { checkBoundaries } from "./check.js";
import { checkShape } from "./shape.js";

/**
 * `tinyml-boundaries [ROOT]`: prints every import that breaks ARCHITECTURE.md's rules and every file, function or
 * import cycle over the shape limits (shape.ts); exit 1 if any.
 */
const root = resolve(process.argv[2] ?? REPO_ROOT);
const violations = checkBoundaries(root);
for (const v of violations) {
  console.error(`${v.file}:${v.line}  ${v.specifier}  [${v.rule}] ${v.message}`);
}
const problems = checkShape(root);
for (const p of problems) {
  console.error(`${p.file}:${p.line}  [${p.rule}] ${p.message}`);
}
if (violations.length > 0) console.error(`\n${violations.length} import boundary violation(s)`);
if (problems.length > 0) console.error(`\n${problems.length} shape problem(s)`);
if (violations.length + problems.length > 0) {
  process.exitCode = 1;
} else {
  console.log(`import boundaries: ok (${root})`);
  console.log("shape: no file over 400 lines of logic, no function over 80 lines, no import cycle");
}
