import type { JobResults } from "./rest-client.js";

/** A job as the progress stream and `jobs.get` give it (the fields the CLI shows). */
export interface JobProgress {
  id: string;
  status: string;
  stage: string;
  progress: number;
  error?: string | null;
}

/** Rows of text in aligned columns, the first row a header underlined with dashes. */
export function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  const line = (r: string[]) =>
    r
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  const [head, ...body] = rows;
  if (!head) return "";
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
}

/**
 * A job's figures: one row per metric, with its value, unit and where it comes from (measured, emulated,
 * estimated, computed).
 */
export function resultsTable(results: JobResults): string {
  const rows = [["metric", "value", "unit", "source"]];
  for (const [name, figure] of Object.entries(results.metrics)) {
    if (figure !== null && typeof figure === "object" && "value" in figure) {
      const { value, unit, source } = figure as { value: unknown; unit?: unknown; source?: unknown };
      rows.push([
        name,
        formatValue(value),
        unit === undefined ? "" : String(unit),
        source === undefined ? "" : String(source),
      ]);
    } else {
      rows.push([name, formatValue(figure), "", ""]);
    }
  }
  const lines = [`job ${results.job_id}: ${results.status}`, table(rows)];
  for (const note of results.notes ?? []) lines.push(`note: ${note}`);
  if (results.artifact) lines.push(`optimized model: ${results.artifact} (tinyml download ${results.job_id})`);
  return lines.join("\n");
}

function formatValue(value: unknown): string {
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(6)));
  return typeof value === "string" ? value : JSON.stringify(value);
}

const percent = (progress: number) => `${Math.round(progress * 100)}%`;

/** One plain line per change, for logs and pipes. */
export function progressLine(job: JobProgress): string {
  return `job ${job.id}: ${job.status} ${job.stage} ${percent(job.progress)}${job.error ? ` — ${job.error}` : ""}`;
}

/** The line a terminal redraws in place: `[#########-----------]  45% running quantize`. */
export function progressBar(job: JobProgress, width = 30): string {
  const filled = Math.max(0, Math.min(width, Math.round(job.progress * width)));
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${percent(job.progress).padStart(4)} ${job.status} ${job.stage}`;
}
