import type { TRPCError } from "@trpc/server";
import { AppError } from "../errors.js";

/**
 * The HTTP headers the errors of a tRPC answer ask for, as the REST answers carry them: `Retry-After` of a 429
 * (a sign-in refused after too many failures). tRPC's `responseMeta` of the fetch adapter.
 */
export function errorHeaders({ errors }: { errors: TRPCError[] }): { headers?: Record<string, string> } {
  const headers: Record<string, string> = {};
  for (const error of errors) if (error.cause instanceof AppError) Object.assign(headers, error.cause.headers);
  return Object.keys(headers).length > 0 ? { headers } : {};
}
