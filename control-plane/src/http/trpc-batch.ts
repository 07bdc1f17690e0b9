import { createMiddleware } from "hono/factory";
import { AppError } from "../errors.js";
import type { AppEnv } from "./env.js";
import { errorResponse } from "./error-response.js";

/** The most procedure calls one request to /trpc may batch (the SDK's client batches at most this many). */
export const TRPC_MAX_BATCH = 10;

/**
 * How many procedure calls a request makes: a request to `/trpc/a,b,c?batch=1` makes three, as tRPC counts them
 * (on the decoded path, so `%2C` separates calls too); any other request one.
 */
export function trpcCalls(url: string): number {
  const { pathname } = new URL(url);
  if (!pathname.startsWith("/trpc/")) return 1;
  let path = pathname.slice("/trpc/".length);
  try {
    path = decodeURIComponent(path);
  } catch {
    // tRPC refuses a malformed path itself; count what can be read.
  }
  return path.split(",").length;
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
