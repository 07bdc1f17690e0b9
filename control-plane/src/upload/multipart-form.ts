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
  /** The body was not read to its end (too large, stalled, cut off): answer, then close the connection. */
  bodyLeftUnread: boolean;
}

const FILE_FIELDS: ReadonlySet<string> = new Set<FileField>(["model_file", "dataset_file"]);

/** Text fields read at most; one more is refused, never dropped. */
const MAX_FORM_FIELDS = 40;
/** The longest file name taken, in characters: within the 300 of the `models.file_name` column, as filesystems allow. */
const MAX_FILE_NAME_CHARS = 255;
const MAX_FIELD_BYTES = 64 * 1024;

export interface FormRules {
  /** The form's fields (its OpenAPI schema's properties): any other field is refused by name. */
  fieldNames: readonly string[];
  /** The most request-body bytes read; `null`: no bound. */
  maxBytes: number | null;
  /** The failure answered when the body goes past `maxBytes`. */
  tooLarge: () => Error;
  /** The longest pause of a client in the middle of the body before the upload is given up as stalled. */
  idleTimeoutMs: number;
}

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

/** The parser of a multipart body; a Content-Type busboy cannot read (no boundary) is the client's 400. */
function multipartParser(contentType: string): busboy.Busboy {
  try {
    return busboy({
      headers: { "content-type": contentType },
      // Plain `filename="…"` parameters as UTF-8 (what browsers, curl and fetch send), not busboy's latin1.
      defParamCharset: "utf8",
      limits: { files: FILE_FIELDS.size, fields: MAX_FORM_FIELDS, fieldSize: MAX_FIELD_BYTES, parts: 50 },
    });
  } catch (e) {
    throw badRequest(
      `the multipart body cannot be read (${(e as Error).message}): send multipart/form-data with its boundary, as curl -F or a FormData body does`,
    );
  }
}

/** What is wrong with an uploaded file's name, or `null`: it is stored as sent. */
function fileNameProblem(field: string, fileName: string): string | null {
  const characters = [...fileName].length;
  if (characters > MAX_FILE_NAME_CHARS) {
    return `the file name of ${field} is ${characters} characters long: rename the file to at most ${MAX_FILE_NAME_CHARS}`;
  }
  if (/\p{Cc}/u.test(fileName)) return `the file name of ${field} contains control characters: rename the file`;
  return null;
}

/** What is wrong with a text field, or `null`: it is one of the form's. */
function fieldProblem(name: string, info: busboy.FieldInfo, textFields: readonly string[]): string | null {
  if (FILE_FIELDS.has(name)) return `${name} must be a file part, e.g. curl -F ${name}=@file`;
  if (!textFields.includes(name)) {
    return `unknown field "${name}": this form takes ${textFields.join(", ")} and the files ${[...FILE_FIELDS].join(", ")}`;
  }
  if (info.valueTruncated) return `field ${name} is longer than ${MAX_FIELD_BYTES} bytes`;
  return null;
}

/**
 * Reads a multipart/form-data request as a stream (busboy): text fields are collected, each file part is
 * handed to `stage` while it arrives (into the blob store, never whole in memory). After a failure the rest
 * of the request is read and discarded, so the client always gets the answer instead of a reset connection;
 * but never more than `rules.maxBytes` of it: past that (a body sent without a Content-Length, whose size the
 * caller could not refuse up front) reading stops with `rules.tooLarge()`. Reading also stops when the client
 * goes away mid-body (the request's signal, an error of the body) or pauses longer than `rules.idleTimeoutMs`:
 * the parser is destroyed with the failure, which ends the file part being staged with it, so the blob store
 * gives its write up (a local temporary file closed and removed, an S3 multipart upload aborted) and the
 * request's handler finishes. `bodyLeftUnread` then tells the caller to close the connection after answering.
 */
export async function readMultipartForm(request: Request, stage: StageFile, rules: FormRules): Promise<ParsedForm> {
  const contentType = request.headers.get("content-type") ?? "";
  if (!contentType.toLowerCase().startsWith("multipart/form-data") || !request.body) {
    throw badRequest(
      "send this request as multipart/form-data with a model_file part, e.g. curl -F model_file=@model.tflite -F hardware_target=cortex-m4 …",
    );
  }
  const parser = multipartParser(contentType);
  const textFields = rules.fieldNames.filter((name) => !FILE_FIELDS.has(name));
  const fields: Record<string, string> = {};
  const files: StagedFile[] = [];
  const pending: Promise<void>[] = [];
  let failure: unknown = null;
  let bodyLeftUnread = false;
  const fail = (e: unknown) => {
    failure ??= e;
  };

  parser.on("field", (name, value, info) => {
    const problem = fieldProblem(name, info, textFields);
    if (problem) fail(badRequest(problem));
    else fields[name] = value;
  });
  parser.on("file", (name, stream, info) => {
    const fileName = info.filename || name;
    const problem = !FILE_FIELDS.has(name)
      ? `unexpected file part "${name}": send model_file and, optionally, dataset_file`
      : fileNameProblem(name, fileName);
    if (problem) fail(badRequest(problem));
    if (problem || failure || files.some((f) => f.field === name)) {
      discardRest(stream);
      return;
    }
    pending.push(
      stage(name as FileField, fileName, stream).then(
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
  parser.on("fieldsLimit", () =>
    fail(badRequest(`too many fields: this form takes at most ${MAX_FORM_FIELDS} text fields`)),
  );
  parser.on("partsLimit", () => fail(badRequest("too many parts: send each field of the form once")));

  await new Promise<void>((resolve) => {
    const body = Readable.fromWeb(request.body as unknown as NodeReadableStream<Uint8Array>);
    const idle = setTimeout(function giveUpIfStalled() {
      // A paused body waits for the blob store (backpressure), not for the client: keep waiting.
      if (body.readableFlowing === false) idle.refresh();
      else stop(badRequest(`the upload stalled: no data arrived for ${rules.idleTimeoutMs / 1000} s`));
    }, rules.idleTimeoutMs);
    const onAbort = () => stop(badRequest("the upload was interrupted: the client closed the connection"));
    const done = () => {
      clearTimeout(idle);
      request.signal.removeEventListener("abort", onAbort);
      resolve();
    };
    /** Stops reading the body with `reason`: the parser ends the file part being staged with it. */
    const stop = (reason: Error) => {
      if (bodyLeftUnread) return;
      bodyLeftUnread = true;
      fail(reason);
      body.unpipe(parser);
      body.destroy();
      parser.destroy(reason);
      done();
    };
    if (request.signal.aborted) return stop(badRequest("the upload was interrupted: the client closed the connection"));
    request.signal.addEventListener("abort", onAbort);
    parser.on("error", (e: Error) => {
      fail(badRequest(`the multipart body could not be read: ${e.message}`));
      done();
    });
    parser.on("close", done);
    body.on("error", (e) => stop(badRequest(`the upload was interrupted: ${e.message}`)));
    // The whole body arrived: what is left (the blob store finishing) is no longer the client's to stall.
    body.on("end", () => clearTimeout(idle));
    let bodyBytes = 0;
    body.on("data", (chunk: Buffer) => {
      idle.refresh();
      bodyBytes += chunk.length;
      if (rules.maxBytes !== null && bodyBytes > rules.maxBytes) stop(rules.tooLarge());
    });
    body.pipe(parser);
  });
  await Promise.all(pending);
  return { fields, files, failure, bodyLeftUnread };
}
