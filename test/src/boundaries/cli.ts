#!/usr/bin/env node
import { resolve } from "node:path";
import { REPO_ROOT } from "../services/launch.js";
import { checkBoundaries } from "./check.js";

/** `tinyml-boundaries [ROOT]`: prints every import that breaks ARCHITECTURE.md's rules; exit 1 if any. */
const root = resolve(process.argv[2] ?? REPO_ROOT);
const violations = checkBoundaries(root);
for (const v of violations) {
  console.error(`${v.file}:${v.line}  ${v.specifier}  [${v.rule}] ${v.message}`);
}
if (violations.length > 0) {
  console.error(`\n${violations.length} import boundary violation(s)`);
  process.exitCode = 1;
} else {
  console.log(`import boundaries: ok (${root})`);
}
