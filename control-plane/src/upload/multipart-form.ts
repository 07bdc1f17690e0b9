import { Readable } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import busboy from "busboy";
import { badRequest } from "../errors.js";
import type { StagedFile } from "../services/staged-upload.js";

type FileField = StagedFile["field"];
export type StageFile = (field: FileField, fileName: string, stream: Readable) => Promise<StagedFile>;

export interface ParsedForm {
  fields: Record<string, string>;
  files: StagedFile[];
  /** The first failure (a file too large, a bad part); the files staged before it are in `files`. */
  failure: unknown;
  /** The body went past the read limit and the rest of it was not read: answer, then close the connection. */
  bodyLeftUnread: boolean;
}

const FILE_FIELDS: ReadonlySet<string> = new Set<FileField>(["model_file", "dataset_file"]);

/**
 * Reads and drops the rest of a file part, so that busboy goes on reading the request. The stream is unpiped
 * first: a pipe into a stage's stream that was destroyed on failure is torn down when that stream emits
 * `close` (a later tick), and that teardown pauses its source: a bare `resume()` made before it would be
 * undone, busboy would wait for the paused part, the request body would no longer be read and the client
 * would block sending it, never getting the answer.
 */
function discardRest(stream: Readable): void {
  stream.unpipe();
  stream.resume();
}

export interface BodyLimit {
  /** The most request-body bytes read; `null`: no bound. */
  maxBytes: number | null;
  /** The failure answered when the body goes past `maxBytes`. */
  tooLarge: () => Error;
}

/**
 * Reads a multipart/form-data request as a stream (busboy): text fields are collected, each file part is
 * handed to `stage` while it arrives (into the blob store, never whole in memory). After a failure the rest
 * of the request is read and discarded, so the client always gets the answer instead of a reset connection;
 * but never more than `limit.maxBytes` of it: past that (a body sent without a Content-Length, whose size the
 * caller could not refuse up front) reading stops, the failure is `limit.tooLarge()` and `bodyLeftUnread`
 * tells the caller to close the connection after answering.
 */
export async function readMultipartForm(request: Request, stage: StageFile, limit: BodyLimit): Promise<ParsedForm> {
  const contentType = request.headers.get("content-type") ?? "";
  if (!contentType.toLowerCase().startsWith("multipart/form-data") || !request.body) {
    throw badRequest(
      "send this request as multipart/form-data with a model_file part, e.g. curl -F model_file=@model.tflite -F hardware_target=cortex-m4 …",
    );
  }
  const fields: Record<string, string> = {};
  const files: StagedFile[] = [];
  const pending: Promise<void>[] = [];
  let failure: unknown = null;
  let bodyLeftUnread = false;
  const fail = (e: unknown) => {
    failure ??= e;
  };

  await new Promise<void>((resolve) => {
    const parser = busboy({
      headers: { "content-type": contentType },
      limits: { files: 2, fields: 40, fieldSize: 64 * 1024, parts: 50 },
    });
    parser.on("field", (name, value) => {
      fields[name] = value;
    });
    parser.on("file", (name, stream, info) => {
      if (!FILE_FIELDS.has(name) || failure || files.some((f) => f.field === name)) {
        if (!FILE_FIELDS.has(name))
          fail(badRequest(`unexpected file part "${name}": send model_file and, optionally, dataset_file`));
        discardRest(stream);
        return;
      }
      pending.push(
        stage(name as FileField, info.filename || name, stream).then(
          (file) => {
            files.push(file);
          },
          (e: unknown) => {
            fail(e);
            discardRest(stream);
          },
        ),
      );
    });
    parser.on("filesLimit", () => fail(badRequest("too many files: send model_file and, optionally, dataset_file")));
    parser.on("error", (e: Error) => {
      fail(badRequest(`the multipart body could not be read: ${e.message}`));
      resolve();
    });
    parser.on("close", () => resolve());
    const body = Readable.fromWeb(request.body as unknown as NodeReadableStream<Uint8Array>);
    body.on("error", (e) => {
      fail(badRequest(`the upload was interrupted: ${e.message}`));
      resolve();
    });
    let bodyBytes = 0;
    body.on("data", (chunk: Buffer) => {
      bodyBytes += chunk.length;
      if (limit.maxBytes === null || bodyBytes <= limit.maxBytes || bodyLeftUnread) return;
      bodyLeftUnread = true;
      const tooLarge = limit.tooLarge();
      fail(tooLarge);
      body.unpipe(parser);
      body.destroy();
      // Ends the file part being staged with the failure, so its stage settles and stores nothing.
      parser.destroy(tooLarge);
      resolve();
    });
    body.pipe(parser);
  });
  await Promise.all(pending);
  return { fields, files, failure, bodyLeftUnread };
}
