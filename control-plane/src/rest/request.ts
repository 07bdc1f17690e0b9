import type { Context } from "hono";
import type { z } from "zod";
import { badRequest, unauthorized } from "../errors.js";
import type { AppEnv } from "../http/env.js";
import type { Caller } from "../services/caller.js";

/** The signed-in caller of a REST request; 401 for an anonymous one. */
export function callerOf(c: Context<AppEnv>): Caller {
  const caller = c.get("caller");
  if (!caller) throw unauthorized();
  return caller;
}

/** A JSON body validated by `schema`; 400 naming each bad field otherwise. Nothing is changed on failure. */
export async function jsonBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  let raw: unknown;
  try {
    raw = await c.req.json();
  } catch {
    throw badRequest("the body must be JSON (Content-Type: application/json)");
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw badRequest(
      `invalid body: ${parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ")}`,
    );
  }
  return parsed.data;
}
