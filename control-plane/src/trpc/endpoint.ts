import { getTRPCErrorShape, type TRPCError } from "@trpc/server";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { appRouter } from "../routers/_app.js";
import type { Context } from "./context.js";
import { errorHeaders } from "./error-headers.js";

/** tRPC's endpoint: the path its procedures are under (`/trpc/jobs.get`, `/trpc/a,b?batch=1`). */
const TRPC_ENDPOINT = "/trpc";

/** The names of every procedure (`auth.login`, `jobs.progress`, …): the bounded set request metrics label by. */
export const TRPC_PROCEDURES: readonly string[] = Object.keys(appRouter._def.procedures);

interface Refusal {
  error: TRPCError;
  path: string | undefined;
  input: unknown;
}

/**
 * Answers a request to tRPC's endpoint. A subscription whose procedure fails before its stream starts (the access
 * check of `jobs.progress`: another organization's job is NOT_FOUND) is answered with the error's HTTP status and
 * tRPC's error body, as a failed query is: tRPC's SSE transport alone would answer 200 and carry the error as the
 * stream's only event. The error is known by then (tRPC reports it through `onError` before it builds the
 * response) and nothing of the stream has been sent.
 */
export async function answerTrpc(
  request: Request,
  createContext: () => Context,
  maxBatchSize: number,
): Promise<Response> {
  let refusal: Refusal | null = null;
  let context: Context | undefined;
  const response = await fetchRequestHandler({
    endpoint: TRPC_ENDPOINT,
    req: request,
    router: appRouter,
    maxBatchSize,
    responseMeta: errorHeaders,
    createContext: () => {
      context = createContext();
      return context;
    },
    onError: ({ error, type, path, input }) => {
      if (type === "subscription") refusal ??= { error, path, input };
    },
  });
  if (!refusal || !response.headers.get("content-type")?.startsWith("text/event-stream")) return response;
  await response.body?.cancel();
  const { error, path, input } = refusal as Refusal;
  const shape = getTRPCErrorShape({
    config: appRouter._def._config,
    error,
    type: "subscription",
    path,
    input,
    ctx: context,
  });
  return Response.json({ error: shape }, { status: shape.data.httpStatus });
}
