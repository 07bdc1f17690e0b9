import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../http/env.js";
import { documentedOperations, openApiDocument } from "./openapi-document.js";

/** Served on purpose without a place in the public document: tRPC, the grid's internal routes. */
const OUTSIDE_DOCUMENT: readonly RegExp[] = [/^\/trpc(\/|$)/, /^\/internal\//];

/** `METHOD /path/{param}` of every route `app` serves (middleware left out). */
export const servedOperations = (app: OpenAPIHono<AppEnv>) => [
  ...new Set(
    app.routes
      .filter((r) => r.method !== "ALL" && !OUTSIDE_DOCUMENT.some((re) => re.test(r.path)))
      .map((r) => `${r.method.toUpperCase()} ${r.path.replace(/:(\w+)/g, "{$1}")}`),
  ),
];

/**
 * Routes the app serves that its document does not describe (registered without `openapi()` and a schema),
 * and operations the document describes that no route serves: both lists empty when the two agree.
 */
export function routeCoverage(app: OpenAPIHono<AppEnv>) {
  const served = servedOperations(app);
  const documented = documentedOperations(openApiDocument(app));
  return {
    undocumented: served.filter((op) => !documented.includes(op)),
    unserved: documented.filter((op) => !served.includes(op)),
  };
}
