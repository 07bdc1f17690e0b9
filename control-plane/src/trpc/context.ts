import type { Caller } from "../services/caller.js";
import type { Services } from "../services/index.js";

export interface Context {
  services: Services;
  /** `null` for an anonymous request. */
  caller: Caller | null;
  /** The client's address, as the rate limiter counted it (`null` without HTTP). */
  clientIp: string | null;
}

/** The context without HTTP: tests call routers through `createCaller(createContextInner(...))`. */
export const createContextInner = (deps: {
  services: Services;
  caller?: Caller | null;
  clientIp?: string | null;
}): Context => ({
  services: deps.services,
  caller: deps.caller ?? null,
  clientIp: deps.clientIp ?? null,
});
