import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { exportOnnx } from "./export.js";
import { importOnnx } from "./import.js";

const ENGINE = fileURLToPath(new URL("../../", import.meta.url));
const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const FIXTURES = process.env.TINYML_FIXTURES ?? `${ROOT}../shared/fixtures`;
const PYTHON = `${ROOT}.venv/bin/python`;

/** onnx.proto of the onnx package that ops/requirements.txt pins into the .venv. */
const VENV_ONNX_PROTO = `${ROOT}.venv/lib/python3.11/site-packages/onnx/onnx.proto`;

describe("the ONNX protobuf code generated from proto/onnx.proto", () => {
  it.runIf(existsSync(VENV_ONNX_PROTO))(
    "proto/onnx.proto is the onnx package's (the version ops/requirements.txt pins)",
    () => {
      const same = readFileSync(VENV_ONNX_PROTO).equals(readFileSync(join(ENGINE, "proto/onnx.proto")));
      expect(same, "copy onnx/onnx.proto from the .venv's onnx package to proto/, then regenerate").toBe(true);
    },
  );

  it("is what scripts/generate-onnx-pb.mjs writes today (run `pnpm --filter @tinyml/engine generate:onnx` if not)", () => {
    const out = mkdtempSync(join(tmpdir(), "onnx-pb-"));
    try {
      execFileSync(process.execPath, [join(ENGINE, "scripts/generate-onnx-pb.mjs"), out], { stdio: "pipe" });
      for (const file of ["onnx-pb.js", "onnx-pb.d.ts"]) {
        const fresh = readFileSync(join(out, file), "utf8");
        const committed = readFileSync(join(ENGINE, "generated", file), "utf8");
        expect(fresh === committed, `generated/${file} is stale: regenerate it`).toBe(true);
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 60_000);
});

/** Parses a model with the onnx package, checks it, and serializes it again (protoc's own encoder). */
function onnxPackageBytes(model: Uint8Array): Uint8Array {
  const script = [
    "import sys, onnx",
    "m = onnx.load_model_from_string(sys.stdin.buffer.read())",
    "onnx.checker.check_model(m, full_check=True)",
    "sys.stdout.buffer.write(m.SerializeToString())",
  ].join("\n");
  return new Uint8Array(execFileSync(PYTHON, ["-c", script], { input: model, maxBuffer: 64 << 20 }));
}

describe.runIf(existsSync(PYTHON))("exported ONNX against the onnx package", () => {
  it("passes onnx.checker and is byte for byte what onnx itself serializes for the same model", () => {
    const mnist = importOnnx(readFileSync(`${FIXTURES}/onnx/mnist-2018-opset1/model.onnx`), "mnist");
    for (const opset of [13, 21]) {
      const bytes = exportOnnx(mnist, { opset });
      expect(Buffer.from(onnxPackageBytes(bytes)).equals(Buffer.from(bytes))).toBe(true);
    }
  }, 60_000);
});
