import { execFile } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/** The built `tinyml-farm-agent` bin (pnpm build first, as for every cross-package test). */
const BIN = fileURLToPath(new URL("../bin/tinyml-farm-agent.js", import.meta.url));

const runBin = (args: string[], env: Record<string, string> = {}) =>
  new Promise<{ code: number | null; stderr: string; stdout: string }>((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { PATH: process.env.PATH ?? "", ...env } },
      (error, stdout, stderr) => resolve({ code: error ? (error.code as number) : 0, stdout, stderr }),
    );
  });

const GOOD_ENV = { CONTROL_PLANE_URL: "http://127.0.0.1:1", FARM_TOKEN: "t", TEMPORAL_ADDRESS: "127.0.0.1:1" };

describe("tinyml-farm-agent bin: bad input gets a clear error", () => {
  it("without --config: usage, exit status 2", async () => {
    const { code, stderr } = await runBin([]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--config is required/);
    expect(stderr).toMatch(/usage: tinyml-farm-agent --config farm.json/);
  });

  it("without the control plane's URL and token: names both, exit status 1", async () => {
    const dir = await mkdtemp(join(tmpdir(), "farm-agent-bin-"));
    await writeFile(join(dir, "farm.json"), "{}");
    const { code, stderr } = await runBin(["--config", join(dir, "farm.json")]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/invalid farm agent environment: CONTROL_PLANE_URL: .*; FARM_TOKEN: /);
  });

  it("a configuration file that is missing, not JSON, or wrong says which and where", async () => {
    const dir = await mkdtemp(join(tmpdir(), "farm-agent-bin-"));
    expect((await runBin(["--config", join(dir, "none.json")], GOOD_ENV)).stderr).toMatch(
      /cannot read the farm agent configuration .*none\.json: ENOENT/,
    );
    await writeFile(join(dir, "broken.json"), "{ host: ");
    expect((await runBin(["--config", join(dir, "broken.json")], GOOD_ENV)).stderr).toMatch(/broken\.json is not JSON/);
    await writeFile(
      join(dir, "farm.json"),
      JSON.stringify({ host: "h", boards: [{ id: "x", target: "esp32", connection: { driver: "qemu" } }] }),
    );
    const wrong = await runBin(["--config", join(dir, "farm.json")], GOOD_ENV);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/boards\.0\.connection\.driver: target "esp32" has no emulator/);
  });
});
