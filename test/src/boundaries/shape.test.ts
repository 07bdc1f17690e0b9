import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";
import { checkShape, functionLengths, logicLines } from "./shape.js";

const source = (text: string) => ts.createSourceFile("x.ts", text, ts.ScriptTarget.Latest, true);
const body = (n: number) => Array.from({ length: n }, (_, i) => `  const v${i} = ${i};`).join("\n");

describe("logicLines", () => {
  it("counts lines with code, not blank lines or comments", () => {
    expect(logicLines(source("// a\n\n/* b\n c */\nconst a = 1;\n\nconst b = `x\ny`;\n"))).toBe(3);
  });
});

describe("functionLengths", () => {
  it("counts a function's own lines, without the functions nested in it", () => {
    const text = `export function factory() {\n  return {\n    a() {\n${body(50)}\n    },\n    b: () => {\n${body(50)}\n    },\n  };\n}\n`;
    const byName = Object.fromEntries(functionLengths(source(text)).map((f) => [f.name, f.ownLines]));
    expect(byName).toEqual({ a: 52, b: 52, factory: 4 });
  });
});

const root = mkdtempSync(join(tmpdir(), "shape-"));
const planted: Record<string, string> = {
  "workers/engine/src/long-function.ts": `export function long() {\n${body(85)}\n}\n`,
  "workers/engine/src/short-function.ts": `export function short() {\n${body(70)}\n}\n`,
  "workers/engine/src/long-file.ts": Array.from(
    { length: 20 },
    (_, k) => `export function f${k}() {\n${body(20)}\n}`,
  ).join("\n"),
  "workers/engine/src/generated/big.ts": `// Generated\n${body(500)}\n`,
  "workers/engine/src/a.ts": `import { b } from "./b.js";\nexport const a = () => b;\n`,
  "workers/engine/src/b.ts": `import { a } from "./a.js";\nexport const b = () => a;\n`,
  "workers/engine/src/c.ts": `import { a } from "./a.js";\nexport const c = a;\n`,
};
for (const [path, text] of Object.entries(planted)) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
}
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("checkShape", () => {
  it("finds the long file, the long function and the cycle, and nothing else", () => {
    const found = checkShape(root).map((p) => `${p.file}:${p.line} ${p.rule}`);
    expect(found).toEqual([
      "workers/engine/src/a.ts:1 import-cycle",
      "workers/engine/src/long-file.ts:1 file-too-long",
      "workers/engine/src/long-function.ts:1 function-too-long",
    ]);
  });
});
