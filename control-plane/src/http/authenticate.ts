import { createMiddleware } from "hono/factory";
import { AppError } from "../errors.js";
import type { Services } from "../services/index.js";
import { bearerOf } from "./bearer.js";
import type { AppEnv } from "./env.js";
import { errorResponse } from "./error-response.js";

/**
 * Resolves `Authorization: Bearer <access token | API key>` into `c.var.caller` (`null` when absent). A
 * credential that is present but invalid is refused at once with 401, never treated as anonymous.
 */
export function authenticate(services: Services) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const header = c.req.header("authorization");
    if (!header) {
      c.set("caller", null);
      return next();
    }
    const bearer = bearerOf(header);
    const caller = bearer ? await services.auth.authenticate(bearer) : null;
    if (!caller) {
      return errorResponse(
        c,
        new AppError("UNAUTHORIZED", "the bearer token or API key is invalid, expired or revoked"),
      );
    }
    c.set("caller", caller);
    return next();
  });
}
