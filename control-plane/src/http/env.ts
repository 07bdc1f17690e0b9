import type { Caller } from "../services/caller.js";

/** Per-request values the middleware set for the routes. */
export interface AppEnv {
  Variables: {
    /** `null` for an anonymous request. */
    caller: Caller | null;
    /** What the rate limiter counted the request against. */
    clientIp: string;
  };
}
