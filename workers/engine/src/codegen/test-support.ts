import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll } from "vitest";
import type { Graph } from "../ir/graph.js";
import { importModel } from "../model-io.js";
import { runPasses } from "../passes/pipeline.js";
import type { HostBuild } from "./host-build.js";

/** What the tests of the generated C share: a scratch folder, host builds disposed of at the end, digests. */

export const exec = promisify(execFile);

export const sha256 = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");

/** A model imported and canonicalised by the standard passes, as the engine sees it before codegen. */
export const imported = async (bytes: Uint8Array, name: string): Promise<Graph> => {
  const { graph } = await importModel(bytes, name);
  runPasses(graph);
  return graph;
};

/** A scratch folder for one test file, and its host builds; both removed after the file's tests. */
export function scratchSpace(prefix: string): { work: string; builds: HostBuild[] } {
  const work = mkdtempSync(join(tmpdir(), prefix));
  const builds: HostBuild[] = [];
  afterAll(async () => {
    for (const b of builds) await b.dispose();
    rmSync(work, { recursive: true, force: true });
  });
  return { work, builds };
}
