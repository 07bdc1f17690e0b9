import { randomUUID } from "node:crypto";
import { readdir, readFile, readlink } from "node:fs/promises";
import { connect } from "node:net";
import { join } from "node:path";
import { ListMultipartUploadsCommand, S3Client } from "@aws-sdk/client-s3";
import { type GridProcess, startControlPlane } from "../../services/processes.js";
import { freshPostgresDatabase, type StackEnv, s3BlobSettings } from "../../services/stack-settings.js";

/**
 * The control plane as its own process (`node control-plane/dist/server.js`), as it runs in production, for the
 * tests that look at it from outside: its memory and open files in /proc, its answers over real sockets, its
 * separate metrics listener. Each stack of the integration suite it runs on (PostgreSQL with S3, SQLite with the
 * local store) is one `ControlPlaneStack`.
 */

export interface ControlPlaneStack {
  name: string;
  /** The settings of its database and blob store for a control plane keeping its state in `dir`. */
  settings(env: StackEnv, dir: string): Promise<Record<string, string>>;
  blobStore: "s3" | "local";
}

export const STACKS: ControlPlaneStack[] = [
  {
    name: "PostgreSQL and S3",
    settings: async (env) => ({ DATABASE_URL: await freshPostgresDatabase(env, "edges"), ...s3BlobSettings(env) }),
    blobStore: "s3",
  },
  {
    name: "SQLite and the local store",
    settings: async (_env, dir) => ({ DATABASE_URL: `sqlite:${join(dir, "cp.sqlite")}`, BLOB_DIR: join(dir, "blobs") }),
    blobStore: "local",
  },
];

export interface RunningControlPlane {
  process: GridProcess;
  pid: number;
  /** Its API, e.g. http://127.0.0.1:41234 */
  url: string;
  /** What its metrics listener printed at start: `http://HOST:PORT/metrics` ("" when it printed none). */
  metricsUrl: string;
}

/** Starts the control plane process with `env` (PORT and METRICS_PORT 0: free ports) and waits until it listens. */
export async function startControlPlaneProcess(
  name: string,
  env: Record<string, string>,
  logDir: string,
): Promise<RunningControlPlane> {
  const process = startControlPlane(
    name,
    {
      PORT: "0",
      METRICS_PORT: "0",
      OUTBOX_PRINT: "false",
      RATE_LIMIT_PER_MINUTE: "100000",
      CONTROL_PLANE_WORKER: "false",
      JWT_SECRET: "abuse-edges-secret-abuse-edges-secret-0123456789",
      // glibc's malloc keeps freed blocks under its mmap threshold (128 KiB and rising) in its arenas: the 64 KiB
      // socket buffers of an upload stay in the RSS after they are freed, by a different amount at each reading.
      // At 64 KiB they are mapped and given back when freed, so RSS follows what the process holds.
      MALLOC_MMAP_THRESHOLD_: "65536",
      ...env,
    },
    logDir,
    // SIGUSR2 runs a full garbage collection: memory is compared live, not with garbage not yet collected.
    ["--expose-gc", `--import=data:text/javascript,process.on("SIGUSR2",()=>globalThis.gc())`],
  );
  await process.waitFor(/control plane listening on http:\/\/\S+:\d+ /);
  // Printed right after (a server without a metrics listener prints none: its tests fail, not the start).
  await process.waitFor(/metrics on http:\/\/\S+\/metrics/, 5000).catch(() => {});
  const url = /control plane listening on (http:\/\/\S+:\d+) /.exec(process.output())?.[1] as string;
  const metricsUrl = /metrics on (http:\/\/\S+\/metrics)/.exec(process.output())?.[1] ?? "";
  return { process, pid: process.child.pid as number, url, metricsUrl };
}

/** A new user (its own Free organization) signed up over tRPC, and a project of it. */
export async function newAccount(url: string, label: string) {
  const signup = await fetch(`${url}/trpc/auth.signup`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      email: `${label}-${randomUUID()}@tinyml.test`,
      password: `${label}-password-1`,
      name: label,
    }),
  });
  const token = ((await signup.json()) as { result: { data: { accessToken: string } } }).result.data.accessToken;
  const created = await fetch(`${url}/api/projects`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ name: label }),
  });
  const project = (await created.json()) as { id: string; organization_id: string };
  return { token, projectId: project.id, organizationId: project.organization_id };
}

/**
 * Resident memory of the control plane process in MB (VmRSS), read after a full garbage collection in it (its
 * SIGUSR2), so that a reading shows the memory it holds, not the garbage V8 has not collected yet: an idle process
 * collects nothing, and that garbage alone moves its RSS by tens of MB from one reading to the next.
 */
export async function residentMegabytes(cp: RunningControlPlane): Promise<number> {
  cp.process.child.kill("SIGUSR2");
  await new Promise((r) => setTimeout(r, 1000));
  const status = await readFile(`/proc/${cp.pid}/status`, "utf8");
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1]) / 1024;
}

/** What each open file descriptor of process `pid` points at (a path, `socket:[…]`, `pipe:[…]`, …). */
export async function openFiles(pid: number): Promise<string[]> {
  const fds = await readdir(`/proc/${pid}/fd`);
  const targets = await Promise.all(fds.map((fd) => readlink(`/proc/${pid}/fd/${fd}`).catch(() => "")));
  return targets.filter(Boolean);
}

/**
 * The open descriptors of process `pid` by kind: `inbound`, its TCP connections accepted on `port` (requests
 * being served); `outbound`, its other sockets (pools of connections to the database and S3, bounded by their
 * pool sizes); `other`, files, pipes and the rest.
 */
export async function descriptorsOf(pid: number, port: number) {
  const targets = await openFiles(pid);
  const sockets = new Set(targets.map((t) => /^socket:\[(\d+)\]$/.exec(t)?.[1]).filter(Boolean));
  const tables = await Promise.all(
    ["tcp", "tcp6"].map((t) => readFile(`/proc/${pid}/net/${t}`, "utf8").catch(() => "")),
  );
  let inbound = 0;
  for (const line of tables.join("\n").split("\n")) {
    const cols = line.trim().split(/\s+/);
    const localPort = Number.parseInt(cols[1]?.split(":").at(-1) ?? "", 16);
    // state 0A is LISTEN: the listening socket is not a connection
    if (sockets.has(cols[9]) && localPort === port && cols[3] !== "0A") inbound++;
  }
  return { inbound, outbound: sockets.size - inbound, other: targets.length - sockets.size };
}

/** The multipart uploads of the S3 bucket still in progress under `prefix` (none once every upload ended). */
export async function pendingMultipartUploads(env: StackEnv, prefix: string): Promise<string[]> {
  const settings = s3BlobSettings(env);
  const client = new S3Client({
    endpoint: settings.S3_ENDPOINT,
    region: settings.S3_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: settings.S3_ACCESS_KEY_ID, secretAccessKey: settings.S3_SECRET_ACCESS_KEY },
  });
  try {
    const out = await client.send(new ListMultipartUploadsCommand({ Bucket: settings.S3_BUCKET, Prefix: prefix }));
    return (out.Uploads ?? []).map((u) => u.Key ?? "");
  } finally {
    client.destroy();
  }
}

export interface PartialUpload {
  url: string;
  path: string;
  token: string;
  /** The Content-Length the request declares. */
  declared: number;
  /** How many bytes of the model file part are sent (the form's head is sent before them). */
  sent: number;
}

const BOUNDARY = "abuse-edges-boundary";

/** The request head and the form's head of an optimize upload whose model part is cut short. */
function partialUploadHead(upload: PartialUpload): string {
  const form =
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="hardware_target"\r\n\r\ncortex-m4\r\n` +
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="model_file"; filename="cut.tflite"\r\n` +
    "Content-Type: application/octet-stream\r\n\r\n";
  const host = new URL(upload.url).host;
  return (
    `POST ${upload.path} HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${upload.token}\r\n` +
    `Content-Type: multipart/form-data; boundary=${BOUNDARY}\r\nContent-Length: ${upload.declared}\r\n\r\n${form}`
  );
}

/**
 * Sends the head and `sent` bytes of an upload that declares more, then either cuts the connection
 * (`disconnect`: resolves with "" once it is closed) or keeps it open without sending more (`stall`: resolves
 * with whatever the server answered once it closes the connection, or "" after `waitMs`).
 */
export function partialUpload(upload: PartialUpload, then: "disconnect" | "stall", waitMs = 0): Promise<string> {
  const { hostname, port } = new URL(upload.url);
  return new Promise((resolve, reject) => {
    let answer = "";
    const socket = connect(Number(port), hostname, () => {
      socket.write(partialUploadHead(upload));
      socket.write(Buffer.alloc(upload.sent, 0x5a), () => {
        if (then === "disconnect") socket.end(() => socket.destroy());
        else setTimeout(() => socket.destroy(), waitMs).unref();
      });
    });
    socket.on("data", (d) => {
      answer += d.toString();
    });
    socket.on("error", reject);
    socket.on("close", () => resolve(answer));
  });
}

/** Polls `check` every 250 ms until it returns true or `timeoutMs` passes; returns whether it did. */
export async function eventually(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  for (const deadline = Date.now() + timeoutMs; ; ) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 250));
  }
}
