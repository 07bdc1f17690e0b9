import { initTRPC, TRPCError } from "@trpc/server";
import { AppError, ERRORS, errorCodeOfTrpc, forbidden, unauthorized } from "../errors.js";
import { roleAtLeast } from "../services/caller.js";
import type { Context } from "./context.js";

/**
 * The one tRPC instance. Errors are shaped once here, from the same table as the REST answers: `data.appCode`
 * is the stable code (an `AppError`'s own, or the one of tRPC's code for errors tRPC raised itself),
 * `data.appStatus` its HTTP status (also for an error raised inside a subscription's stream, which tRPC
 * carries as a 500) and `data.hint` what the user can do, when there is something to add to the message.
 * Stacks never leave the server.
 */
const t = initTRPC.context<Context>().create({
  errorFormatter({ shape, error }) {
    const { stack: _stack, ...data } = shape.data;
    const app =
      error.cause instanceof AppError
        ? error.cause
        : new AppError(errorCodeOfTrpc(shape.data.code, shape.data.httpStatus), error.message);
    const { hint } = app.body().error;
    return { ...shape, data: { ...data, appCode: app.code, appStatus: app.status, ...(hint ? { hint } : {}) } };
  },
});

/** Turns service errors into TRPCErrors with the matching code. */
const appErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof AppError) {
    const e = result.error.cause;
    throw new TRPCError({ code: ERRORS[e.code].trpc, message: e.message, cause: e });
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
    if (e instanceof AppError) throw new TRPCError({ code: ERRORS[e.code].trpc, message: e.message, cause: e });
    throw e;
  }
}

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

export const publicProcedure = t.procedure.use(appErrors);

/** A signed-in caller (access token or API key) acting in one organization. */
export const authedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.caller) throw unauthorized();
  return next({ ctx: { ...ctx, caller: ctx.caller } });
});

/** A caller with the admin (or owner) role in its organization. */
export const adminProcedure = authedProcedure.use(({ ctx, next }) => {
  if (!roleAtLeast(ctx.caller.role, "admin")) {
    throw forbidden(`this needs the admin role (yours: ${ctx.caller.role})`);
  }
  return next();
});

/** An operator of the service (granted by another operator or the admin command, never by signing up). */
export const operatorProcedure = authedProcedure.use(({ ctx, next }) => {
  if (!ctx.caller.isOperator) throw forbidden("this needs operator rights");
  return next();
});
