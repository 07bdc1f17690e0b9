import { openAsBlob } from "node:fs";
import { basename } from "node:path";
import { Readable } from "node:stream";
import type { HardwareTarget, ModelFramework } from "@tinyml/control-plane";
import { apiErrorOf, connectionError, TinymlApiError } from "./errors.js";

export interface TinymlClientOptions {
  /** Base URL of the service, e.g. http://127.0.0.1:5000 */
  url: string;
  /** API key (sent as a bearer token). */
  apiKey?: string;
  fetch?: typeof fetch;
}

/** The fields of `POST /api/projects/{id}/optimize` besides the files, as the original API names them. */
export interface OptimizeRequest {
  /** Path of the trained model, or its bytes with a file name. */
  model: string | { fileName: string; data: Blob };
  dataset?: string | { fileName: string; data: Blob };
  hardwareTarget: string;
  modelFramework: string;
  quantizationType?: string;
  enableQuantization?: boolean;
  enablePruning?: boolean;
  pruningSparsity?: number;
  targetSizeKb?: number;
  targetAccuracyThreshold?: number;
  enableNas?: boolean;
}

export interface SubmittedJob {
  job_id: string;
  id: string;
  project_id: string;
  status: string;
  stage: string;
  progress: number;
  workflow_id?: string | null;
  [field: string]: unknown;
}

export interface JobResults {
  job_id: string;
  status: string;
  metrics: Record<string, unknown>;
  artifact: string | null;
  completed_at: string | null;
  /** What to read with the figures (a step skipped and why). */
  notes?: string[];
}

/**
 * The REST half of the client: what tRPC does not carry (multipart uploads, the optimized model's bytes) and
 * the public routes of the original specification. Every failure is a TinymlApiError or a TinymlConnectionError.
 */
export function createTinymlRestClient(options: TinymlClientOptions) {
  const base = options.url.replace(/\/+$/, "");
  const doFetch = options.fetch ?? fetch;
  const auth: Record<string, string> = options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {};

  async function send(path: string, init: RequestInit = {}): Promise<Response> {
    let res: Response;
    try {
      res = await doFetch(`${base}${path}`, {
        ...init,
        headers: { accept: "application/json", ...auth, ...init.headers },
      });
    } catch (e) {
      throw connectionError(base, e);
    }
    if (!res.ok) throw await errorOfAnswer(res, path);
    return res;
  }

  async function json<T>(path: string, init?: RequestInit): Promise<T> {
    const res = await send(path, init);
    const text = await res.text();
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new TinymlApiError(res.status, "INVALID_RESPONSE", `the service answered ${path} with no JSON body`);
    }
  }

  return {
    health: () => json<{ status: string }>("/health"),
    hardwareTargets: async () =>
      (await json<{ hardware_targets: HardwareTarget[] }>("/api/hardware-targets")).hardware_targets,
    modelFrameworks: async () =>
      (await json<{ model_frameworks: ModelFramework[] }>("/api/model-frameworks")).model_frameworks,
    /** Uploads the model (and dataset) and starts a job: `POST /api/projects/{id}/optimize`. */
    async optimize(projectId: string, request: OptimizeRequest): Promise<SubmittedJob> {
      const form = new FormData();
      const model = await fileOf(request.model);
      form.set("model_file", model.data, model.fileName);
      if (request.dataset) {
        const dataset = await fileOf(request.dataset);
        form.set("dataset_file", dataset.data, dataset.fileName);
      }
      const fields: Record<string, string | number | boolean | undefined> = {
        hardware_target: request.hardwareTarget,
        model_framework: request.modelFramework,
        quantization_type: request.quantizationType,
        enable_quantization: request.enableQuantization ?? (request.quantizationType ? true : undefined),
        enable_pruning: request.enablePruning,
        pruning_sparsity: request.pruningSparsity,
        target_size_kb: request.targetSizeKb,
        target_accuracy_threshold: request.targetAccuracyThreshold,
        enable_nas: request.enableNas,
      };
      for (const [name, value] of Object.entries(fields)) if (value !== undefined) form.set(name, String(value));
      return json<SubmittedJob>(`/api/projects/${encodeURIComponent(projectId)}/optimize`, {
        method: "POST",
        body: form,
      });
    },
    job: (jobId: string) => json<SubmittedJob>(`/api/jobs/${encodeURIComponent(jobId)}`),
    /** Cancels a queued or running job: `POST /api/jobs/{id}/cancel` (409 when it has already ended). */
    cancel: (jobId: string) => json<SubmittedJob>(`/api/jobs/${encodeURIComponent(jobId)}/cancel`, { method: "POST" }),
    results: (jobId: string) => json<JobResults>(`/api/jobs/${encodeURIComponent(jobId)}/results`),
    /** The optimized model: its file name (from Content-Disposition) and a stream of its bytes. */
    async download(jobId: string): Promise<{ fileName: string; stream: Readable }> {
      const res = await send(`/api/jobs/${encodeURIComponent(jobId)}/download`, {
        headers: { accept: "application/octet-stream" },
      });
      const disposition = res.headers.get("content-disposition") ?? "";
      const fileName = basename(/filename="([^"]+)"/.exec(disposition)?.[1] ?? "model.bin");
      if (!res.body) throw new TinymlApiError(res.status, "INVALID_RESPONSE", "the download had no body");
      return { fileName, stream: Readable.fromWeb(res.body as import("node:stream/web").ReadableStream) };
    },
  };
}
export type TinymlRestClient = ReturnType<typeof createTinymlRestClient>;

async function fileOf(file: string | { fileName: string; data: Blob }) {
  return typeof file === "string" ? { fileName: basename(file), data: await openAsBlob(file) } : file;
}

/** The service's `{ error: { code, message, hint } }` answer as a TinymlApiError; the status when it has none. */
async function errorOfAnswer(res: Response, path: string): Promise<TinymlApiError> {
  const text = await res.text().catch(() => "");
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  return apiErrorOf(res.status, body, `${res.status} ${res.statusText} from ${path}`);
}
