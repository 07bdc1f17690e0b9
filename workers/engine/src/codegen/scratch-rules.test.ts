import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { RUNTIME_DIR } from "../testing/fixtures.js";
import { SCRATCH_RULES, type ScratchShapes } from "./scratch-rules.js";

/**
 * The TypeScript scratch rules against the runtime's own `_get_buffer_size` functions: for every kernel with a
 * rule and every twin present in sdk/embedded, the C function is compiled and called on a set of shapes and must
 * answer what the rule computes (a twin without its own source resolves to the reference, and so must its rule).
 */
const exec = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), "engine-scratch-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

type Dims = [number, number, number, number];
const CASES: Record<string, { input: Dims; filter: Dims; output: Dims }[]> = {
  conv2d: [
    { input: [1, 49, 10, 1], filter: [64, 10, 4, 1], output: [1, 25, 5, 64] },
    { input: [1, 25, 5, 64], filter: [64, 1, 1, 64], output: [1, 25, 5, 64] },
    { input: [1, 12, 10, 8], filter: [6, 3, 3, 4], output: [1, 10, 8, 6] }, // grouped (2 groups)
  ],
  depthwise_conv2d: [
    { input: [1, 25, 5, 64], filter: [1, 3, 3, 64], output: [1, 25, 5, 64] },
    { input: [1, 12, 10, 3], filter: [1, 5, 5, 6], output: [1, 6, 5, 6] },
  ],
  fully_connected: [
    { input: [1, 1, 1, 64], filter: [12, 1, 1, 64], output: [1, 1, 1, 12] },
    { input: [2, 1, 1, 640], filter: [128, 1, 1, 640], output: [2, 1, 1, 128] },
  ],
  avgpool: [{ input: [1, 25, 5, 64], filter: [1, 25, 5, 1], output: [1, 1, 1, 64] }],
};
CASES.fully_connected_per_channel = CASES.fully_connected as (typeof CASES)[string];

const dims = (d: Dims) => `{ ${d.join(", ")} }`;
function call(symbol: string, op: string, c: { input: Dims; filter: Dims; output: Dims }): string {
  const d = `const tml_dims in = ${dims(c.input)}, f = ${dims(c.filter)}, out = ${dims(c.output)};`;
  if (op.startsWith("fully_connected")) return `{ ${d} (void)in; (void)out; printf("%d\\n", (int)${symbol}(&f)); }`;
  if (op === "avgpool") return `{ ${d} (void)f; printf("%d\\n", (int)${symbol}(&in, &out)); }`;
  const params = op === "conv2d" ? "tml_conv_params" : "tml_dw_conv_params";
  return `{ ${d} ${params} p; memset(&p, 0, sizeof p); printf("%d\\n", (int)${symbol}(&p, &in, &f, &out)); }`;
}

const archs = ["ref", ...["armv7em", "rv32im"].filter((a) => existsSync(join(RUNTIME_DIR, "src", a)))] as const;

describe.each(archs)("scratch rules match the runtime's %s twins", (arch) => {
  it("for every kernel with a rule, on every case", async () => {
    const expected: number[] = [];
    const calls: string[] = [];
    for (const [kernel, rules] of Object.entries(SCRATCH_RULES)) {
      const op = kernel.replace(/^tml_/, "").replace(/_s(8|16)$/, "");
      const hasTwin = existsSync(join(RUNTIME_DIR, "src", arch, `${kernel}.c`));
      const symbol = hasTwin ? kernel.replace(/^tml_/, `tml_${arch}_`) : kernel.replace(/^tml_/, "tml_ref_");
      const rule = hasTwin ? rules[arch as keyof typeof rules] : rules.ref;
      for (const c of CASES[op] ?? []) {
        calls.push(call(`${symbol}_get_buffer_size`, op, c));
        expected.push(rule(c as ScratchShapes));
      }
    }
    const header = arch === "ref" ? "" : `#include "tinyml/tml_kernels_${arch}.h"\n`;
    const program = join(work, `rules_${arch}.c`);
    writeFileSync(
      program,
      `#include <stdio.h>\n#include <string.h>\n#include "tinyml/tml_kernels.h"\n${header}int main(void) {\n${calls.join("\n")}\n  return 0;\n}\n`,
    );
    const sources = ["ref", ...(arch === "ref" ? [] : [arch])].flatMap((dir) =>
      readdirSync(join(RUNTIME_DIR, "src", dir))
        .filter((f) => f.endsWith(".c"))
        .map((f) => join(RUNTIME_DIR, "src", dir, f)),
    );
    const exe = join(work, `rules_${arch}`);
    await exec("cc", ["-std=c99", "-I", join(RUNTIME_DIR, "include"), program, ...sources, "-o", exe, "-lm"]);
    const { stdout } = await exec(exe);
    expect(stdout.trim().split("\n").map(Number)).toEqual(expected);
  }, 60_000);
});
