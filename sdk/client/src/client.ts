import type { HardwareTarget, ModelFramework } from "@tinyml/control-plane";
import { TinymlApiError, TinymlConnectionError } from "./errors.js";

export interface TinymlClientOptions {
  /** Base URL of the service, e.g. http://127.0.0.1:5000 */
  url: string;
  /** API key (sent as a bearer token). */
  apiKey?: string;
  fetch?: typeof fetch;
}

export interface TinymlClient {
  health(): Promise<{ status: string }>;
  hardwareTargets(): Promise<HardwareTarget[]>;
  modelFrameworks(): Promise<ModelFramework[]>;
}

/** Client of the service's public API. Every failure is a TinymlApiError or a TinymlConnectionError. */
export function createTinymlClient(options: TinymlClientOptions): TinymlClient {
  const base = options.url.replace(/\/+$/, "");
  const doFetch = options.fetch ?? fetch;
  const headers: Record<string, string> = { accept: "application/json" };
  if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;

  async function getJson<T>(path: string): Promise<T> {
    let res: Response;
    try {
      res = await doFetch(`${base}${path}`, { headers });
    } catch (e) {
      const cause = e instanceof Error && e.cause instanceof Error ? `: ${e.cause.message}` : "";
      throw new TinymlConnectionError(`cannot reach the TinyML service at ${base}${cause}`);
    }
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    if (!res.ok) {
      const error = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new TinymlApiError(
        res.status,
        error?.code ?? `HTTP_${res.status}`,
        error?.message ?? `${res.status} ${res.statusText} from ${path}`,
      );
    }
    if (body === undefined) {
      throw new TinymlApiError(res.status, "INVALID_RESPONSE", `the service answered ${path} with no JSON body`);
    }
    return body as T;
  }

  return {
    health: () => getJson("/health"),
    hardwareTargets: async () =>
      (await getJson<{ hardware_targets: HardwareTarget[] }>("/api/hardware-targets")).hardware_targets,
    modelFrameworks: async () =>
      (await getJson<{ model_frameworks: ModelFramework[] }>("/api/model-frameworks")).model_frameworks,
  };
}
