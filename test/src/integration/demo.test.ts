import { execFile } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { findFreePortRange, REPO_ROOT } from "../services/launch.js";

const run = promisify(execFile);

const listening = (port: number): Promise<boolean> =>
  new Promise((done) => {
    const probe = createServer();
    probe.once("error", () => done(true));
    probe.listen(port, "127.0.0.1", () => probe.close(() => done(false)));
  });

/** How long the README's first command may take here (set-up already done by the test command). */
const DEMO_TIME_LIMIT_MS = 8 * 60_000;

/**
 * The README's first command, as a user runs it: `ops/demo` sets up, starts Temporal, the control plane, a worker
 * and a farm agent, optimizes the KWS model for cortex-m4 through the CLI and prints the figures with their sources.
 */
describe("ops/demo", () => {
  it(
    "runs the KWS job through the whole grid and prints real figures with their sources, then stops all it started",
    async () => {
      const base = await findFreePortRange(2);
      const started = Date.now();
      const { stdout } = await run(join("ops", "demo"), [], {
        cwd: REPO_ROOT,
        env: { ...process.env, DEMO_TEMPORAL_PORT: String(base), DEMO_CONTROL_PLANE_PORT: String(base + 1) },
        timeout: DEMO_TIME_LIMIT_MS,
        maxBuffer: 16 << 20,
      });
      console.log(`[demo] finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      expect(stdout).toMatch(/queue optimize +served by/);
      expect(stdout).toMatch(/queue farm\.cortex-m4 +served by/);
      expect(stdout).toMatch(/job \S+: completed done 100%/);
      const figure = (name: string, source: string) =>
        new RegExp(`^${name} +(\\d+(\\.\\d+)?) +\\S+ +${source}$`, "m").exec(stdout)?.[1];
      const accuracyBefore = Number(figure("accuracy_before", "computed"));
      const accuracyAfter = Number(figure("accuracy_after", "computed"));
      expect(accuracyBefore).toBeGreaterThan(0.85);
      expect(Math.abs(accuracyAfter - accuracyBefore)).toBeLessThan(0.02);
      expect(Number(figure("model_bytes_before", "computed"))).toBeGreaterThan(40_000);
      expect(Number(figure("model_bytes_after", "computed"))).toBeGreaterThan(40_000);
      expect(Number(figure("flash_bytes", "emulated"))).toBeGreaterThan(40_000);
      expect(Number(figure("ram_bytes", "emulated"))).toBeGreaterThan(10_000);
      expect(Number(figure("instructions_per_inference", "emulated"))).toBeGreaterThan(1_000_000);
      expect(Number(figure("latency_ms", "estimated"))).toBeGreaterThan(0);
      expect(Number(figure("energy_uj", "estimated"))).toBeGreaterThan(0);
      expect(stdout).toMatch(/artifacts\/model\.tflite/);
      expect(stdout).toMatch(/artifacts\/firmware-cortex-m4\.elf/);
      // Everything it started has stopped: nothing listens on its ports any more.
      expect(await listening(base)).toBe(false);
      expect(await listening(base + 1)).toBe(false);
    },
    DEMO_TIME_LIMIT_MS + 30_000,
  );
});
