import { initTRPC, TRPCError } from "@trpc/server";
import { AppError, TRPC_CODE, unauthorized } from "../errors.js";
import { roleAtLeast } from "../services/caller.js";
import type { Context } from "./context.js";

/**
 * The one tRPC instance. Errors are shaped once here: an `AppError` thrown by a service keeps its stable
 * code in `data.appCode`; stacks never leave the server.
 */
const t = initTRPC.context<Context>().create({
  errorFormatter({ shape, error }) {
    const app = error.cause instanceof AppError ? error.cause : null;
    const { stack: _stack, ...data } = shape.data;
    return { ...shape, data: { ...data, appCode: app?.code ?? shape.data.code } };
  },
});

/** Turns service errors into TRPCErrors with the matching code. */
const appErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof AppError) {
    const e = result.error.cause;
    throw new TRPCError({ code: TRPC_CODE[e.code], message: e.message, cause: e });
  }
  return result;
});

/**
 * A subscription's stream with service errors raised mid-stream (e.g. the job removed) turned into TRPCErrors
 * with their code, as `appErrors` does for errors thrown before the stream starts.
 */
export async function* withTrpcErrors<T>(stream: AsyncIterable<T>): AsyncGenerator<T> {
  try {
    yield* stream;
  } catch (e) {
    if (e instanceof AppError) throw new TRPCError({ code: TRPC_CODE[e.code], message: e.message, cause: e });
    throw e;
  }
}

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

export const publicProcedure = t.procedure.use(appErrors);

/** A signed-in caller (access token or API key) acting in one organization. */
export const authedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.caller) throw new TRPCError({ code: "UNAUTHORIZED", message: unauthorized().message });
  return next({ ctx: { ...ctx, caller: ctx.caller } });
});

/** A caller with the admin (or owner) role in its organization. */
export const adminProcedure = authedProcedure.use(({ ctx, next }) => {
  if (!roleAtLeast(ctx.caller.role, "admin")) {
    throw new TRPCError({ code: "FORBIDDEN", message: `this needs the admin role (yours: ${ctx.caller.role})` });
  }
  return next();
});
