import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { BoardHungError, BoardRunAbortedError, FirmwareFailedError } from "@tinyml/emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BoardDriver } from "../drivers/board-driver.js";
import {
  kwsFirmware,
  kwsInputs,
  kwsTflmOutputsSha256,
  misbehavingFirmware,
  type TestFirmware,
  WORK,
} from "./firmware.js";

const exec = promisify(execFile);
const INFERENCES = 20;

/** Command lines of the running processes that mention `text` (a firmware path unique to one test). */
async function processesMentioning(text: string): Promise<string[]> {
  const { stdout } = await exec("ps", ["-eo", "args"]);
  return stdout.split("\n").filter((line) => line.includes(text) && !line.startsWith("ps "));
}

/** A copy of a firmware under a path no other run uses, so its process can be found by that path. */
async function uniqueCopy(firmware: TestFirmware): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), "tinyml-farm-fw-")), "fw.elf");
  await copyFile(firmware.elf, path);
  return path;
}

/**
 * The behaviour every `BoardDriver` owes the agent, run on real firmware for `board` (a firmware/build.sh board):
 * the KWS model's outputs equal TensorFlow Lite Micro's with one figure per inference; a firmware that faults or
 * cannot read its inputs is a `FirmwareFailedError` naming the harness's reason; a firmware that never finishes
 * is a `BoardHungError` soon after the timeout, with its process gone; an aborted run is killed at once.
 */
export function boardDriverConformance(name: string, makeDriver: () => BoardDriver, board: string): void {
  describe(`BoardDriver conformance: ${name}`, () => {
    let kws: TestFirmware;
    let fault: TestFirmware;
    let hang: TestFirmware;
    let inputs: Uint8Array;
    let tflmSha256: string;

    beforeAll(async () => {
      [kws, fault, hang] = await Promise.all([
        kwsFirmware(board),
        misbehavingFirmware("fault", board),
        misbehavingFirmware("hang", board),
      ]);
      inputs = await kwsInputs(INFERENCES);
      tflmSha256 = await kwsTflmOutputsSha256(inputs);
    }, 180_000);
    afterAll(() => rm(WORK, { recursive: true, force: true }));

    it("is healthy", async () => {
      const health = await makeDriver().check();
      expect(health, health.detail).toMatchObject({ ok: true });
    });

    it("runs the KWS model: TFLite Micro's outputs, one counter reading per inference, progress as it goes", async () => {
      const driver = makeDriver();
      const progress: number[] = [];
      const run = await driver.run({
        firmwareElf: kws.elf,
        inputs,
        inferences: INFERENCES,
        outputBytes: kws.outputBytes,
        timeoutMs: 60_000,
        onProgress: (done) => progress.push(done),
      });
      expect(run.outputs.length).toBe(INFERENCES * kws.outputBytes);
      expect(createHash("sha256").update(run.outputs).digest("hex")).toBe(tflmSha256);
      expect(run.perInference).toHaveLength(INFERENCES);
      expect(run.summary.inferences).toBe(INFERENCES);
      expect(run.summary.arena_bytes).toBeGreaterThan(0);
      // DS-CNN KWS is 2.66 M MACs: a few million instructions or cycles an inference, all alike
      const min = Math.min(...run.perInference);
      const max = Math.max(...run.perInference);
      expect(min).toBeGreaterThan(2_000_000);
      expect(max / min).toBeLessThan(1.01);
      expect(progress.at(-1)).toBe(INFERENCES);
      expect(run.command.join(" ")).toContain(kws.elf);
      expect(run.source).toBe(driver.kind === "qemu" ? "emulated" : "measured");
      if (run.source === "emulated") {
        // an emulator's instruction counts are exact: the same run gives the same figures
        const again = await driver.run({
          firmwareElf: kws.elf,
          inputs,
          inferences: INFERENCES,
          outputBytes: kws.outputBytes,
          timeoutMs: 60_000,
        });
        expect(again.perInference).toEqual(run.perInference);
      }
    });

    it("a firmware that faults fails with the harness's reason, not as a hung board", async () => {
      const attempt = makeDriver().run({
        firmwareElf: fault.elf,
        inputs: new Uint8Array(8),
        inferences: 2,
        outputBytes: fault.outputBytes,
        timeoutMs: 30_000,
      });
      await expect(attempt).rejects.toBeInstanceOf(FirmwareFailedError);
      await expect(attempt).rejects.toThrow(/the CPU faulted \(exit status 3\).*cpu fault/s);
    });

    it("inputs the firmware cannot read are the firmware's failure (host file I/O, exit status 2)", async () => {
      const attempt = makeDriver().run({
        firmwareElf: kws.elf,
        inputs: new Uint8Array(491),
        inferences: 1,
        outputBytes: kws.outputBytes,
        timeoutMs: 30_000,
      });
      await expect(attempt).rejects.toBeInstanceOf(FirmwareFailedError);
      await expect(attempt).rejects.toThrow(
        /host file I\/O through semihosting failed \(exit status 2\).*input\.bin length/s,
      );
    });

    it("inputs for another model: the count of inferences differs and the run says so", async () => {
      const attempt = makeDriver().run({
        firmwareElf: kws.elf,
        inputs: inputs.subarray(0, 490 * 2),
        inferences: 4,
        outputBytes: kws.outputBytes,
        timeoutMs: 30_000,
      });
      await expect(attempt).rejects.toThrow(/ran 2 inferences, the request has 4/);
    });

    it("a firmware that never finishes is a hung board soon after the timeout, and its process is gone", async () => {
      const elf = await uniqueCopy(hang);
      const started = Date.now();
      const attempt = makeDriver().run({
        firmwareElf: elf,
        inputs: new Uint8Array(4),
        inferences: 1,
        outputBytes: hang.outputBytes,
        timeoutMs: 1_500,
      });
      await expect(attempt).rejects.toBeInstanceOf(BoardHungError);
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(1_500);
      expect(elapsed).toBeLessThan(5_000);
      expect(await processesMentioning(elf)).toEqual([]);
    });

    it("aborting a run kills it at once", async () => {
      const elf = await uniqueCopy(hang);
      const controller = new AbortController();
      const attempt = makeDriver().run({
        firmwareElf: elf,
        inputs: new Uint8Array(4),
        inferences: 1,
        outputBytes: hang.outputBytes,
        timeoutMs: 60_000,
        signal: controller.signal,
      });
      const rejected = expect(attempt).rejects.toBeInstanceOf(BoardRunAbortedError);
      await waitUntil(async () => (await processesMentioning(elf)).length > 0, 10_000);
      const aborted = Date.now();
      controller.abort();
      await rejected;
      expect(Date.now() - aborted).toBeLessThan(2_000);
      expect(await processesMentioning(elf)).toEqual([]);
    });
  });
}

async function waitUntil(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
