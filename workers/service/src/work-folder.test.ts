import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { claimWorkerFolder } from "./work-folder.js";

const root = mkdtempSync(join(tmpdir(), "work-folder-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The id of a process that has ended (a child that exited). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""]);
  await new Promise((resolve) => child.on("exit", resolve));
  return child.pid as number;
}

describe("claimWorkerFolder", () => {
  it("removes the folders of this host's workers that are gone, and keeps live ones and other hosts'", async () => {
    const work = join(root, "shared");
    const gone = await deadPid();
    const folders = [`worker-h1-${gone}`, `worker-h1-${process.ppid}`, `worker-h2-${gone}`, "notes"];
    for (const f of folders) {
      mkdirSync(join(work, f, "quantize-job-1"), { recursive: true });
      writeFileSync(join(work, f, "quantize-job-1", "model.tflite"), "left over");
    }
    const claimed = await claimWorkerFolder(work, { host: "h1", pid: process.pid });
    expect(claimed.path).toBe(join(work, `worker-h1-${process.pid}`));
    expect(claimed.removed).toEqual([join(work, `worker-h1-${gone}`)]);
    expect(readdirSync(work).sort()).toEqual(
      ["notes", `worker-h1-${process.pid}`, `worker-h1-${process.ppid}`, `worker-h2-${gone}`].sort(),
    );
  });

  it("starts its own folder empty: what an earlier process of the same id left is removed", async () => {
    const work = join(root, "reused");
    mkdirSync(join(work, `worker-h1-${process.pid}`, "compile-job-2"), { recursive: true });
    const claimed = await claimWorkerFolder(work, { host: "h1", pid: process.pid });
    expect(readdirSync(claimed.path)).toEqual([]);
  });
});
