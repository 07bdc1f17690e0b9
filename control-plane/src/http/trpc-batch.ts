import { createMiddleware } from "hono/factory";
import { AppError } from "../errors.js";
import type { AppEnv } from "./env.js";
import { errorResponse } from "./error-response.js";

/** The most procedure calls one request to /trpc may batch (the SDK's client batches at most this many). */
export const TRPC_MAX_BATCH = 10;

/**
 * The procedure names a request to `/trpc/<a,b,…>` calls, read as tRPC reads them: on the decoded path, so `%2C`
 * separates calls too. Null when the path does not decode (tRPC refuses such a request itself).
 */
export function trpcProcedureNames(pathname: string): string[] | null {
  try {
    return decodeURIComponent(pathname.slice("/trpc/".length)).split(",");
  } catch {
    return null;
  }
}

/** How many procedure calls a request makes: one per name of a `/trpc/` path (counted raw when it does not decode). */
export function trpcCalls(url: string): number {
  const { pathname } = new URL(url);
  if (!pathname.startsWith("/trpc/")) return 1;
  return (trpcProcedureNames(pathname) ?? pathname.slice("/trpc/".length).split(",")).length;
}

/** Refuses a tRPC batch of more than `max` calls with 400, before it is counted or any call runs. */
export function trpcBatchLimit(max: number) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const calls = trpcCalls(c.req.url);
    if (calls <= max) return next();
    return errorResponse(
      c,
      new AppError("BAD_REQUEST", `a tRPC batch carries at most ${max} calls; this one carries ${calls}`, {
        hint: `split the calls over several requests of at most ${max}`,
      }),
    );
  });
}
