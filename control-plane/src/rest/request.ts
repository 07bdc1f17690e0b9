import type { Context } from "hono";
import { unauthorized } from "../errors.js";
import type { AppEnv } from "../http/env.js";
import type { Caller } from "../services/caller.js";

/** The signed-in caller of a REST request; 401 for an anonymous one. */
export function callerOf(c: Context<AppEnv>): Caller {
  const caller = c.get("caller");
  if (!caller) throw unauthorized();
  return caller;
}
