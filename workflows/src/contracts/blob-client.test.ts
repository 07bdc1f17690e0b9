import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { BlobTransferError, downloadBlob, isPermanentHttpStatus, uploadBlob } from "./blob-client.js";

/**
 * The blob client against a real HTTP server on loopback. Each path plays one behaviour of a store; the server
 * counts the requests of each path, so that "no retry" and "retried" are seen from the store's side.
 */
const blobs = new Map<string, Buffer>();
const hits = new Map<string, number>();
let flaky = 0;
let base = "";
const behaviours: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
  "/refused": (_req, res) => res.writeHead(403, { "content-type": "text/plain" }).end("SignatureDoesNotMatch"),
  "/missing": (_req, res) => res.writeHead(404, { "content-type": "text/plain" }).end("NoSuchKey"),
  "/busy": (_req, res) => res.writeHead(429).end(),
  "/down": (_req, res) => res.writeHead(503, { "content-type": "text/plain" }).end("SlowDown"),
  // fails twice, then serves
  "/flaky": (_req, res) => (++flaky <= 2 ? res.writeHead(500).end() : res.writeHead(200).end("at last")),
  // answers nothing: the client's timeout or the caller's abort must end it
  "/silent": () => {},
};

const server = createServer((req, res) => {
  const path = req.url ?? "/";
  hits.set(path, (hits.get(path) ?? 0) + 1);
  const behaviour = behaviours[path];
  if (behaviour) return behaviour(req, res);
  if (req.method === "PUT") {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      blobs.set(path, Buffer.concat(chunks));
      res.writeHead(200).end();
    });
    return;
  }
  const blob = blobs.get(path);
  if (blob) res.writeHead(200).end(blob);
  else res.writeHead(404).end();
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(
  () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
);
beforeEach(() => {
  hits.clear();
  flaky = 0;
});

const at = (path: string) => ({ key: `k${path}`, url: `${base}${path}` });
const fast = { backoffMs: 10 };
const failureOf = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error("the transfer succeeded");
    },
    (e: unknown) => e,
  );

describe("the signed-blob client", () => {
  it("PUTs bytes and text and GETs them back", async () => {
    const bytes = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 31) % 251);
    await uploadBlob(at("/a.bin"), bytes);
    await uploadBlob(at("/b.json"), '{"ok":true}');
    expect(Buffer.from(await downloadBlob(at("/a.bin"))).equals(Buffer.from(bytes))).toBe(true);
    expect(new TextDecoder().decode(await downloadBlob(at("/b.json")))).toBe('{"ok":true}');
  });

  it("a 4xx is permanent: it fails at once, with the key, the status and the store's words, and is not retried", async () => {
    const refused = await failureOf(uploadBlob(at("/refused"), "x", { what: "outputs", ...fast }));
    expect(refused).toBeInstanceOf(BlobTransferError);
    expect(refused).toMatchObject({ key: "k/refused", status: 403, permanent: true });
    expect((refused as Error).message).toBe(
      "cannot upload the outputs (k/refused): HTTP 403 Forbidden (SignatureDoesNotMatch)",
    );
    const missing = await failureOf(downloadBlob(at("/missing"), fast));
    expect(missing).toMatchObject({ status: 404, permanent: true });
    expect((missing as Error).message).toBe("cannot download blob k/missing: HTTP 404 Not Found (NoSuchKey)");
    expect(Object.fromEntries(hits)).toEqual({ "/refused": 1, "/missing": 1 });
  });

  it("a 5xx, 408 or 429 is transient: retried with backoff, then it fails as transient", async () => {
    const down = await failureOf(downloadBlob(at("/down"), { attempts: 3, ...fast }));
    expect(down).toMatchObject({ key: "k/down", status: 503, permanent: false });
    expect((down as Error).message).toBe(
      "cannot download blob k/down: HTTP 503 Service Unavailable (SlowDown) (tried 3 times)",
    );
    expect(hits.get("/down")).toBe(3);
    await failureOf(downloadBlob(at("/busy"), { attempts: 2, ...fast }));
    expect(hits.get("/busy")).toBe(2);
    expect([408, 429, 500, 503].map(isPermanentHttpStatus)).toEqual([false, false, false, false]);
    expect([400, 401, 403, 404, 410].map(isPermanentHttpStatus)).toEqual([true, true, true, true, true]);
  });

  it("a store that recovers within the tries is not a failure", async () => {
    expect(new TextDecoder().decode(await downloadBlob(at("/flaky"), { attempts: 3, ...fast }))).toBe("at last");
    expect(hits.get("/flaky")).toBe(3);
  });

  it("a store that does not answer fails each try at the timeout, as transient", async () => {
    const started = performance.now();
    const silent = await failureOf(downloadBlob(at("/silent"), { timeoutMs: 200, attempts: 2, ...fast }));
    expect(silent).toMatchObject({ status: null, permanent: false });
    expect((silent as Error).message).toBe("cannot download blob k/silent: no answer within 0.2 s (tried 2 times)");
    expect(hits.get("/silent")).toBe(2);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it("an unreachable store fails without a status, as transient", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/x`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const e = await failureOf(downloadBlob({ key: "x", url }, { attempts: 1 }));
    expect(e).toMatchObject({ status: null, permanent: false });
    expect((e as Error).message).toMatch(/cannot download blob x: fetch failed: .*ECONNREFUSED/);
  });

  it("the caller's abort stops a transfer in flight, and a pause between tries, with the caller's reason", async () => {
    const inFlight = new AbortController();
    const reason = new Error("activity cancelled");
    const running = failureOf(downloadBlob(at("/silent"), { signal: inFlight.signal }));
    setTimeout(() => inFlight.abort(reason), 100);
    expect(await running).toBe(reason);

    const pausing = new AbortController();
    const started = performance.now();
    const retrying = failureOf(downloadBlob(at("/down"), { signal: pausing.signal, backoffMs: 60_000 }));
    setTimeout(() => pausing.abort(reason), 200);
    expect(await retrying).toBe(reason);
    expect(hits.get("/down")).toBe(1);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
