import { Readable } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import busboy from "busboy";
import { badRequest } from "../errors.js";
import type { StagedFile } from "../services/staged-upload.js";

export type FileField = StagedFile["field"];
export type StageFile = (field: FileField, fileName: string, stream: Readable) => Promise<StagedFile>;

export interface ParsedForm {
  fields: Record<string, string>;
  files: StagedFile[];
  /** The first failure (a file too large, a bad part); the files staged before it are in `files`. */
  failure: unknown;
}

const FILE_FIELDS: ReadonlySet<string> = new Set<FileField>(["model_file", "dataset_file"]);

/**
 * Reads a multipart/form-data request as a stream (busboy): text fields are collected, each file part is
 * handed to `stage` while it arrives (into the blob store, never whole in memory). After a failure the rest
 * of the request is read and discarded, so the client always gets the answer instead of a reset connection.
 */
export async function readMultipartForm(request: Request, stage: StageFile): Promise<ParsedForm> {
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
        stream.resume();
        return;
      }
      pending.push(
        stage(name as FileField, info.filename || name, stream).then(
          (file) => {
            files.push(file);
          },
          (e: unknown) => {
            fail(e);
            stream.resume();
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
    body.pipe(parser);
  });
  await Promise.all(pending);
  return { fields, files, failure };
}
