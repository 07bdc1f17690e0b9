import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../testing/cli.js";
import { FIXTURES, generatedPath } from "../testing/fixtures.js";

const work = mkdtempSync(join(tmpdir(), "engine-cli-bench-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("tinyml-engine bench", () => {
  it("codegen then bench: KWS on the RISC-V board, deployment figures with their sources", async () => {
    const out = join(work, "kws");
    const generated = await runCli(["codegen", `${FIXTURES}/mlperf-tiny/kws/kws_ref_model.tflite`, "--out", out]);
    expect(generated.code).toBe(0);
    const r = await runCli([
      "bench",
      out,
      "--board",
      "riscv",
      "--dataset",
      generatedPath("kws_eembc.npz"),
      "--limit",
      "3",
      "--arch",
      "ref",
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/instructions +[\d,]+ per inference \(emulated/);
    expect(r.stdout).toMatch(/latency .* ms \(estimated/);
    expect(r.stdout).toMatch(/3\/3 identical to the host build/);
    const bench = JSON.parse(readFileSync(join(out, "benchmark.json"), "utf8"));
    expect(bench.samples).toBe(3);
    expect(bench.counter.name).toBe("minstret");
  }, 60_000);

  it("refuses ESP32 and bad arguments with a message", async () => {
    const esp = await runCli(["bench", work, "--board", "esp32", "--dataset", generatedPath("kws_eembc.npz")]);
    expect(esp.code).toBe(1);
    expect(esp.stderr).toMatch(/no emulator for Xtensa LX6; estimates only/);
    const board = await runCli(["bench", work, "--board", "avr", "--dataset", "d.npz"]);
    expect(board.code).toBe(2);
    expect(board.stderr).toMatch(/--board must be one of/);
    const missing = await runCli([
      "bench",
      join(work, "nothing"),
      "--board",
      "cortex-m4",
      "--dataset",
      generatedPath("kws_eembc.npz"),
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/run optimize with --emit c/);
  });
});
