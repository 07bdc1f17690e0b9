import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { FuzzCase } from "./cases.js";

/**
 * Writes a case's files for whoever reproduces it: the model (its own name kept as the suffix: the engine
 * recognizes by content, never by name) and the dataset, beside a JSON naming the case. Returns the model's path
 * (or the dataset's, for a dataset case).
 */
export function saveCase(
  dir: string,
  id: { seed: number; lane: string; index: number },
  c: FuzzCase,
  why: object,
): string {
  mkdirSync(dir, { recursive: true });
  const base = join(dir, `${id.lane}-${id.index}`);
  const safe = (name: string) => name.replace(/[^\w.-]/g, "_").slice(0, 60);
  const files: string[] = [];
  if (c.model) {
    files.push(`${base}-${safe(c.model.name)}`);
    writeFileSync(files[0] as string, c.model.bytes);
  }
  const dataset = c.lane === "full" ? c.dataset : c.dataset?.bytes;
  if (dataset) {
    files.push(`${base}-dataset.npz`);
    writeFileSync(files.at(-1) as string, dataset);
  }
  const described = {
    ...id,
    kind: c.kind,
    files,
    ...(c.lane === "full" ? { precision: c.precision, sizeBudgetBytes: c.sizeBudgetBytes } : {}),
    ...(c.lane === "import" && c.dataset ? { inputShape: c.dataset.inputShape } : {}),
    ...why,
    replay: `node workers/engine/dist/fuzz/campaign.js --seed ${id.seed} --replay ${id.lane}:${id.index}`,
  };
  writeFileSync(`${base}.json`, `${JSON.stringify(described, null, 2)}\n`);
  return files[0] ?? `${base}.json`;
}
