import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../services/launch.js";
import { checkBoundaries, importSites } from "./check.js";

const run = promisify(execFile);

/** A miniature repository with one planted bad import per rule, and some good ones. */
const planted: Record<string, string> = {
  "workers/engine/src/uses-temporal.ts": `import { Client } from "@temporalio/client";\nexport const c = Client;\n`,
  "workers/engine/src/uses-http.ts": `export const load = async () => (await import("node:http")).createServer;\n`,
  "workers/engine/src/uses-orm.ts": `import { MikroORM } from "@mikro-orm/core";\nexport { MikroORM };\n`,
  "workers/engine/src/uses-control-plane.ts": `import { createApp } from "@tinyml/control-plane";\nexport { createApp };\n`,
  "workers/engine/src/good.ts": `import { TargetId } from "@tinyml/workflows/contracts";\nimport { readFile } from "node:fs/promises";\nexport { TargetId, readFile };\n`,
  "workers/service/src/deep.ts": `import { parseTflite } from "@tinyml/engine/src/importers/tflite.js";\nexport { parseTflite };\n`,
  "workers/service/src/good.ts": `import { detectModelFormat } from "@tinyml/engine";\nimport { Worker } from "@temporalio/worker";\nexport { detectModelFormat, Worker };\n`,
  "sdk/client/src/runtime.ts": `import { createApp } from "@tinyml/control-plane";\nexport const app = createApp;\n`,
  "sdk/client/src/inline-type.ts": `import { type AppRouter } from "@tinyml/control-plane";\nexport type R = AppRouter;\n`,
  "sdk/client/src/good.ts": `import type { AppRouter } from "@tinyml/control-plane";\nexport type { SERVICE_NAME } from "@tinyml/control-plane";\nexport type R = AppRouter | import("@tinyml/control-plane").X;\n`,
  "control-plane/src/escapes.ts": `import { x } from "../../workers/engine/src/x.js";\nexport { x };\n`,
  "control-plane/src/good.ts": `import { hardwareTargets } from "@tinyml/workflows/contracts";\nimport { Hono } from "hono";\nimport { helper } from "./routes/helper.js";\nexport { hardwareTargets, Hono, helper };\n`,
  "workflows/src/uses-fs.ts": `import { readFileSync } from "node:fs";\nexport const r = readFileSync;\n`,
  "workflows/src/uses-lodash.ts": `import lodash from "lodash";\nexport default lodash;\n`,
  "workflows/src/good.ts": `import { proxyActivities } from "@temporalio/workflow";\nimport { z } from "zod";\nexport { proxyActivities, z };\n`,
  "workflows/src/model-files/good.ts": `import { ZipReader } from "@zip.js/zip.js";\nexport { ZipReader };\n`,
  "workflows/src/contracts/uses-zip.ts": `import { ZipReader } from "@zip.js/zip.js";\nexport { ZipReader };\n`,
  "workflows/src/model-files-like.ts": `import { ZipReader } from "@zip.js/zip.js";\nexport { ZipReader };\n`,
  "workflows/src/model-files/uses-fs.ts": `import { readFileSync } from "node:fs";\nexport const r = readFileSync;\n`,
  "workflows/src/datasets/good.ts": `import { crc32 } from "node:zlib";\nexport { crc32 };\n`,
  "workflows/src/datasets/uses-fs.ts": `import { readFileSync } from "node:fs";\nexport const r = readFileSync;\n`,
  "workflows/src/contracts/uses-zlib.ts": `import { crc32 } from "node:zlib";\nexport { crc32 };\n`,
  "workers/engine/src/recognizes.ts": `import { recognizeModelFile } from "@tinyml/workflows/model-files";\nexport { recognizeModelFile };\n`,
  "hardware-farm/agent/src/recognizes.ts": `import { recognizeModelFile } from "@tinyml/workflows/model-files";\nexport { recognizeModelFile };\n`,
  "workflows/src/good.test.ts": `import { describe } from "vitest";\nimport { readFileSync } from "node:fs";\nexport { describe, readFileSync };\n`,
  "hardware-farm/agent/src/uses-engine.ts": `const engine = require("@tinyml/engine");\nexport { engine };\n`,
  "hardware-farm/emulator/src/uses-agent.ts": `import { QemuBoardDriver } from "@tinyml/farm-agent";\nexport { QemuBoardDriver };\n`,
};

const root = mkdtempSync(join(tmpdir(), "boundaries-"));
for (const [path, text] of Object.entries(planted)) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
}
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("import boundary check", () => {
  const found = checkBoundaries(root).map((v) => `${v.file} ${v.rule} ${v.specifier}`);

  it("catches every planted bad import, and only those", () => {
    expect(found).toEqual([
      "control-plane/src/escapes.ts escapes-package ../../workers/engine/src/x.js",
      "hardware-farm/agent/src/recognizes.ts not-allowed @tinyml/workflows/model-files",
      "hardware-farm/agent/src/uses-engine.ts not-allowed @tinyml/engine",
      "hardware-farm/emulator/src/uses-agent.ts not-allowed @tinyml/farm-agent",
      "sdk/client/src/inline-type.ts runtime-import-of-types-only @tinyml/control-plane",
      "sdk/client/src/runtime.ts runtime-import-of-types-only @tinyml/control-plane",
      "workers/engine/src/uses-control-plane.ts not-allowed @tinyml/control-plane",
      "workers/engine/src/uses-http.ts forbidden-external node:http",
      "workers/engine/src/uses-orm.ts forbidden-external @mikro-orm/core",
      "workers/engine/src/uses-temporal.ts forbidden-external @temporalio/client",
      "workers/service/src/deep.ts deep-import @tinyml/engine/src/importers/tflite.js",
      "workflows/src/contracts/uses-zip.ts external-not-allowed @zip.js/zip.js",
      "workflows/src/contracts/uses-zlib.ts external-not-allowed node:zlib",
      "workflows/src/datasets/uses-fs.ts external-not-allowed node:fs",
      "workflows/src/model-files-like.ts external-not-allowed @zip.js/zip.js",
      "workflows/src/model-files/uses-fs.ts external-not-allowed node:fs",
      "workflows/src/uses-fs.ts external-not-allowed node:fs",
      "workflows/src/uses-lodash.ts external-not-allowed lodash",
    ]);
  });

  it("passes on this repository", () => {
    expect(checkBoundaries(REPO_ROOT)).toEqual([]);
  });

  it("fails the CLI (exit 1) on the planted tree and passes it on the repository", async () => {
    const cli = join(REPO_ROOT, "test/dist/boundaries/cli.js");
    const bad = await run(process.execPath, [cli, root]).catch((e: { code: number; stderr: string }) => e);
    expect((bad as { code: number }).code).toBe(1);
    expect((bad as { stderr: string }).stderr).toMatch(/18 import boundary violation\(s\)/);
    const good = await run(process.execPath, [cli, REPO_ROOT]);
    expect(good.stdout).toMatch(/import boundaries: ok/);
  });
});

describe("importSites", () => {
  it("tells erased imports from runtime ones", () => {
    const sites = importSites(
      "x.ts",
      [
        `import type { A } from "a";`,
        `import { type B } from "b";`,
        `export type { C } from "c";`,
        `export * from "d";`,
        `import "e";`,
        `type F = import("f").F;`,
        `const g = await import("g");`,
      ].join("\n"),
    );
    expect(sites.map((s) => `${s.specifier}:${s.typeOnly ? "type" : "runtime"}`)).toEqual([
      "a:type",
      "b:runtime",
      "c:type",
      "d:runtime",
      "e:runtime",
      "f:type",
      "g:runtime",
    ]);
  });
});
