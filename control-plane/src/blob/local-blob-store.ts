import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readdir, rename, rm, stat } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { assertBlobKey, BlobNotFoundError, type BlobStore, type PutOptions, type StoredBlob } from "./blob-store.js";
import type { BlobUrlSigner } from "./blob-url-signer.js";
import { MeteredStream } from "./metered-stream.js";

/**
 * Blobs as files under one folder. A put writes to a temporary file under `.incoming/` and renames it into
 * place only once complete, so a failed or oversized upload never leaves a partial blob behind.
 */
export function createLocalBlobStore(root: string, urls?: BlobUrlSigner): BlobStore {
  const incoming = join(root, ".incoming");
  const pathOf = (key: string) => {
    assertBlobKey(key);
    return join(root, key);
  };

  return {
    kind: "local",
    async put(key: string, body: Readable, options: PutOptions = {}): Promise<StoredBlob> {
      const target = pathOf(key);
      await mkdir(incoming, { recursive: true });
      const temporary = join(incoming, randomUUID());
      const meter = new MeteredStream(options.maxBytes);
      const file = createWriteStream(temporary);
      try {
        await pipeline(body, meter, file);
        await mkdir(dirname(target), { recursive: true });
        await rename(temporary, target);
      } catch (e) {
        // A body that failed (cut off, too large) ends the write: its descriptor closed, then its file removed,
        // in that order, so that a file still being opened cannot reappear after the removal.
        file.destroy();
        if (!file.closed) await once(file, "close").catch(() => {});
        await rm(temporary, { force: true });
        body.destroy();
        throw e;
      }
      return { key, bytes: meter.bytes, sha256: meter.sha256() };
    },
    async get(key: string): Promise<Readable> {
      const path = pathOf(key);
      const info = await stat(path).catch(() => null);
      if (!info?.isFile()) throw new BlobNotFoundError(key);
      return createReadStream(path);
    },
    async stat(key: string) {
      const info = await stat(pathOf(key)).catch(() => null);
      return info?.isFile() ? { bytes: info.size } : null;
    },
    async list(prefix: string): Promise<string[]> {
      const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
      return entries
        .filter((e) => e.isFile())
        .map((e) => relative(root, join(e.parentPath, e.name)).split(sep).join("/"))
        .filter((key) => !key.startsWith(".incoming/") && key.startsWith(prefix))
        .sort();
    },
    async delete(key: string): Promise<void> {
      await rm(pathOf(key), { force: true });
    },
    /** Signed by `urls` and served by the control plane's signed blob route (`rest/signed-blobs.ts`, through the `signedBlobs` service). */
    async signedUrl(key, method, ttlSeconds) {
      if (!urls) throw new Error("this local blob store was made without a URL signer: it cannot hand out URLs");
      return urls.sign(key, method, ttlSeconds);
    },
    async close() {},
  };
}
