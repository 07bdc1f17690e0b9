import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../http/env.js";
import { API_VERSION, SERVICE_NAME } from "../service-info.js";

/**
 * The OpenAPI 3.1 document of the REST API, derived from the routes `app` registered with `openapi()`: each
 * with the zod schemas it validates with (zod's JSON Schema output is the 2020-12 dialect OpenAPI 3.1 uses).
 * Schemas with an id (the error body) become shared components.
 */
export function openApiDocument(app: OpenAPIHono<AppEnv>, serverUrl?: string): OpenApiDocument {
  const doc = app.getOpenAPI31Document({
    openapi: "3.1.0",
    info: {
      title: SERVICE_NAME,
      version: API_VERSION,
      description:
        "Public REST API of the TinyML optimization service. Authenticate with `Authorization: Bearer <API key>` (create keys through the tRPC API at /trpc, `apiKeys.create`).",
    },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
  });
  return {
    ...doc,
    paths: doc.paths ?? {},
    components: {
      ...doc.components,
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "an API key (tml_…) or an access token" },
      },
    },
  };
}
type GeneratedDocument = ReturnType<OpenAPIHono<AppEnv>["getOpenAPI31Document"]>;
export type OpenApiDocument = GeneratedDocument & { paths: NonNullable<GeneratedDocument["paths"]> };

/** `METHOD /path` of every operation the document describes, in its order. */
export const documentedOperations = (doc: OpenApiDocument) =>
  Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.keys(item ?? {}).map((method) => `${method.toUpperCase()} ${path}`),
  );
