import { z } from "zod";
import { DOCS_PAGE_CSP, docsPage } from "../openapi/docs-page.js";
import { documentedOperations, type OpenApiDocument } from "../openapi/openapi-document.js";
import { API_VERSION, SERVICE_NAME } from "../service-info.js";
import { defineRoute, jsonAnswer, restRouter } from "./openapi-route.js";

const info = defineRoute({
  method: "get",
  path: "/",
  summary: "API information",
  tag: "core",
  auth: false,
  responses: {
    200: jsonAnswer(
      "name, version, endpoints",
      z.object({ name: z.string(), version: z.string(), endpoints: z.array(z.string()) }),
    ),
  },
});

const health = defineRoute({
  method: "get",
  path: "/health",
  summary: "Health check",
  tag: "core",
  auth: false,
  responses: { 200: jsonAnswer("the service answers", z.object({ status: z.literal("ok") })) },
});

const docs = defineRoute({
  method: "get",
  path: "/api/docs",
  summary: "API documentation (this document as JSON, or a browsable page for text/html)",
  tag: "core",
  auth: false,
  responses: { 200: { description: "OpenAPI 3.1 document" } },
});

const docsJson = defineRoute({
  method: "get",
  path: "/api/docs/openapi.json",
  summary: "This OpenAPI document as JSON",
  tag: "core",
  auth: false,
  responses: { 200: { description: "OpenAPI 3.1 document" } },
});

/**
 * The core routes: what the API is, whether it answers, and its document (`documentOf(origin)`, derived from
 * the whole app's routes, for a browser as a page).
 */
export const coreRoutes = (documentOf: (origin: string) => OpenApiDocument) =>
  restRouter()
    .openapi(info, (c) =>
      c.json(
        {
          name: SERVICE_NAME,
          version: API_VERSION,
          endpoints: documentedOperations(documentOf(new URL(c.req.url).origin)),
        },
        200,
      ),
    )
    .openapi(health, (c) => c.json({ status: "ok" as const }, 200))
    .openapi(docs, (c) => {
      const doc = documentOf(new URL(c.req.url).origin);
      return (c.req.header("accept") ?? "").includes("text/html")
        ? c.html(docsPage(doc), 200, { "content-security-policy": DOCS_PAGE_CSP })
        : c.json(doc);
    })
    .openapi(docsJson, (c) => c.json(documentOf(new URL(c.req.url).origin)));
