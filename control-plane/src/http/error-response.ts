import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { AppError, type ErrorBody, errorCodeOfStatus } from "../errors.js";

/**
 * The one place an error becomes an HTTP answer: `{ error: { code, message, hint } }` with the error's status
 * and headers (Retry-After). An `HTTPException` (raised by a library) keeps its status and is named by the
 * code of that status. Unexpected errors are logged and answered without their details.
 */
export function errorResponse(c: Context, err: unknown): Response {
  if (err instanceof AppError) {
    for (const [name, value] of Object.entries(err.headers)) c.header(name, value);
    return c.json<ErrorBody>(err.body(), err.status as ContentfulStatusCode);
  }
  if (err instanceof HTTPException) {
    return c.json<ErrorBody>({ error: { code: errorCodeOfStatus(err.status), message: err.message } }, err.status);
  }
  console.error(`[control-plane] ${c.req.method} ${c.req.path} failed:`, err);
  return c.json<ErrorBody>(
    { error: { code: "INTERNAL", message: "internal error: the failure is logged on the server" } },
    500,
  );
}
