import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import { type ControlPlane, createControlPlane, loadControlPlaneConfig } from "@tinyml/control-plane";
import { afterAll, beforeAll, inject } from "vitest";
import { freshPostgresDatabase, s3BlobSettings } from "../../services/stack-settings.js";

/**
 * A control plane listening on a real loopback port, for the suites that must go through HTTP (rate limits,
 * tRPC batches, client addresses): on PostgreSQL with the S3-compatible server, and on SQLite with the local
 * blob folder. `X-Forwarded-For` is trusted, so each test speaks from addresses of its own.
 */

const env = inject("stackEnv");

interface StoreCase {
  name: string;
  settings(dir: string): Promise<Record<string, string>>;
}

export const STORES: StoreCase[] = [
  {
    name: "PostgreSQL and S3",
    settings: async () => ({ DATABASE_URL: await freshPostgresDatabase(env, "abuse"), ...s3BlobSettings(env) }),
  },
  {
    name: "SQLite and the local store",
    settings: async (dir) => ({
      DATABASE_URL: `sqlite:${join(dir, "control-plane.sqlite")}`,
      BLOB_DIR: join(dir, "blobs"),
    }),
  },
];

export interface TrpcAnswer {
  status: number;
  headers: Headers;
  body: unknown;
}

/** Starts the control plane of the enclosing `describe` with `settings()` (called in `beforeAll`). */
export function useHttpControlPlane(store: StoreCase, settings: () => Record<string, string>) {
  const it = {} as { dir: string; cp: ControlPlane; base: string; env: Record<string, string> };
  let server: ReturnType<typeof serve> | undefined;
  let lastIp = 0;

  beforeAll(async () => {
    it.dir = await mkdtemp(join(tmpdir(), "cp-http-"));
    it.env = {
      DATA_DIR: it.dir,
      TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS as string,
      OUTBOX_PRINT: "false",
      TRUST_PROXY: "true",
      CONTROL_PLANE_WORKER: "false",
      ...(await store.settings(it.dir)),
      ...settings(),
    };
    it.cp = await createControlPlane(loadControlPlaneConfig(it.env));
    await new Promise<void>((done) => {
      server = serve({ fetch: it.cp.app.fetch, port: 0, hostname: "127.0.0.1" }, () => done());
    });
    it.base = `http://127.0.0.1:${(server?.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
    await it.cp?.close();
    await rm(it.dir, { recursive: true, force: true });
  });

  /** A client address no other call of this suite used (TEST-NET-2/3 and beyond). */
  const freshIp = () => {
    lastIp++;
    return `198.${18 + Math.floor(lastIp / 65536)}.${Math.floor(lastIp / 256) % 256}.${lastIp % 256}`;
  };

  /**
   * One HTTP request to /trpc: a single call, or a batch (`?batch=1`) when `calls` has several. Mutations are
   * POSTed; pass `query: true` for a GET of queries.
   */
  async function trpc(
    calls: [path: string, input?: unknown][],
    options: { ip?: string; token?: string | undefined; query?: boolean } = {},
  ): Promise<TrpcAnswer> {
    const headers: Record<string, string> = { "x-forwarded-for": options.ip ?? freshIp() };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    const path = calls.map(([p]) => p).join(",");
    const batch = calls.length > 1;
    const inputs = batch ? Object.fromEntries(calls.map(([, input], i) => [i, input])) : calls[0]?.[1];
    let res: Response;
    if (options.query) {
      const qs = new URLSearchParams(batch ? { batch: "1" } : {});
      if (inputs !== undefined) qs.set("input", JSON.stringify(inputs));
      res = await fetch(`${it.base}/trpc/${path}?${qs}`, { headers });
    } else {
      res = await fetch(`${it.base}/trpc/${path}${batch ? "?batch=1" : ""}`, {
        method: "POST",
        headers: { ...headers, "content-type": "application/json" },
        body: JSON.stringify(inputs ?? null),
      });
    }
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {}
    return { status: res.status, headers: res.headers, body };
  }

  /** The data of a single successful call (a query with `query: true`); throws with the answer otherwise. */
  async function call<T>(
    path: string,
    input?: unknown,
    options: { ip?: string | undefined; token?: string; query?: boolean } = {},
  ): Promise<T> {
    const answer = await trpc([[path, input]], options);
    const data = (answer.body as { result?: { data: T } }).result?.data;
    if (answer.status !== 200 || data === undefined) {
      throw new Error(`${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
    }
    return data;
  }

  /** `GET base + path` with a bearer credential: the status (a REST route that needs a signed-in caller). */
  const restStatus = async (path: string, token: string) =>
    (await fetch(`${it.base}${path}`, { headers: { authorization: `Bearer ${token}`, "x-forwarded-for": freshIp() } }))
      .status;

  return { it, freshIp, trpc, call, restStatus };
}

/** The error of a single tRPC call's answer, or of each call of a batch's. */
export function trpcErrors(answer: TrpcAnswer): { appCode?: string | undefined; message?: string | undefined }[] {
  const one = (b: unknown) => {
    // tRPC's shape carries the code in data.appCode; an answer of the HTTP middleware (REST shape) in code.
    const error = (b as { error?: { code?: unknown; message?: string; data?: { appCode?: string } } }).error;
    if (!error) return {};
    const appCode = error.data?.appCode ?? (typeof error.code === "string" ? error.code : undefined);
    return { appCode, message: error.message };
  };
  return Array.isArray(answer.body) ? answer.body.map(one) : [one(answer.body)];
}
