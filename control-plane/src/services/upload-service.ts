import type { Readable } from "node:stream";
import type { MikroORM } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/knex";
import { TIERS } from "@tinyml/workflows/contracts";
import type { BlobStore } from "../blob/blob-store.js";
import { OrganizationSchema } from "../db/entities/index.js";
import { AppError } from "../errors.js";
import type { Metrics } from "../metrics/metrics.js";
import type { Caller } from "./caller.js";
import { findProjectOf } from "./project-service.js";
import { type StagedFile, stageUpload } from "./staged-upload.js";

/**
 * Uploads of the optimize route, before the job exists: the tier's limits on the request body, each file
 * streamed into the blob store's staging area as it arrives, and the staged files removed again when the job
 * is not submitted.
 */
export function createUploadService(deps: {
  orm: MikroORM;
  blobStore: BlobStore;
  metrics: Metrics;
  /** The longest pause of a client mid-body before its upload is given up as stalled. */
  idleTimeoutMs: number;
}) {
  const { blobStore, metrics } = deps;

  /** An upload to `projectId`: 404 before anything is read when the project is not the caller's. */
  async function begin(caller: Caller, projectId: string) {
    const em = deps.orm.em.fork() as EntityManager;
    await findProjectOf(em, caller, projectId);
    const org = await em.findOneOrFail(OrganizationSchema, { id: caller.organizationId });
    const tier = TIERS[org.tier];
    // A body may hold a model and a dataset, each up to the tier's limit, plus the form's fields: a larger
    // declared body is refused before reading it; an undeclared one (chunked) is read no further than that.
    const maxBodyBytes = tier.maxModelBytes === null ? null : 2 * tier.maxModelBytes + 1_000_000;
    const tooLarge = (size: string) =>
      new AppError(
        "PAYLOAD_TOO_LARGE",
        `the upload (${size}) is larger than the ${tier.name} tier allows (${(tier.maxModelBytes ?? 0) / 1_000_000} MB per file)`,
      );
    return {
      maxBodyBytes,
      idleTimeoutMs: deps.idleTimeoutMs,
      /** Refuses a body whose declared size (Content-Length; NaN when absent) is over the limit. */
      checkDeclaredSize(declared: number) {
        if (maxBodyBytes !== null && declared > maxBodyBytes) throw tooLarge(`${declared} bytes`);
      },
      /** The failure of a body that went past the limit while it was read. */
      tooLarge: () => tooLarge(`more than ${maxBodyBytes} bytes`),
      stage: (field: StagedFile["field"], fileName: string, stream: Readable) =>
        stageUpload({ blobStore, metrics, organizationId: caller.organizationId, tier, field, fileName, stream }),
      /** Removes staged files (best effort: a file already gone is no failure). */
      discard: (files: StagedFile[]) => Promise.all(files.map((f) => blobStore.delete(f.blobKey).catch(() => {}))),
    };
  }

  return { begin };
}
