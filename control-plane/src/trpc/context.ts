import { bearerOf } from "../http/bearer.js";
import type { Caller } from "../services/caller.js";
import type { Services } from "../services/index.js";

export interface Context {
  services: Services;
  /** `null` for an anonymous request. */
  caller: Caller | null;
}

/** The context without HTTP: tests call routers through `createCaller(createContextInner(...))`. */
export const createContextInner = (deps: { services: Services; caller?: Caller | null }): Context => ({
  services: deps.services,
  caller: deps.caller ?? null,
});

/** The context of an HTTP request: resolves `Authorization: Bearer …` into a caller. */
export async function createContextFromRequest(services: Services, request: Request): Promise<Context> {
  const bearer = bearerOf(request.headers.get("authorization"));
  const caller = bearer ? await services.auth.authenticate(bearer) : null;
  return createContextInner({ services, caller });
}
