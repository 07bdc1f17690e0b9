import { z } from "zod";
import { API_VERSION, SERVICE_NAME } from "../service-info.js";
import { ERROR_SCHEMA, REST_ROUTES } from "./rest-routes.js";

const ERROR_DESCRIPTIONS: Readonly<Record<number, string>> = {
  400: "invalid input: the message names what is wrong",
  401: "no valid credential",
  403: "the caller's role or tier does not allow this",
  404: "not found in the caller's organization",
  409: "not in a state that allows this (not yet, or not any more)",
  413: "the upload is larger than the tier allows",
  429: "rate limit or monthly quota reached (see Retry-After)",
  503: "the orchestrator is unreachable: nothing was stored or changed, retry later",
};

/**
 * The OpenAPI 3.1 document of the REST API, generated from the route table and its zod schemas (zod's JSON
 * Schema output is the 2020-12 dialect OpenAPI 3.1 uses). Schemas with an id become shared components.
 */
export function openApiDocument(serverUrl?: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  const schemaRef = (schema: z.ZodType) => {
    const json = z.toJSONSchema(schema, { target: "draft-2020-12", unrepresentable: "any", io: "output" }) as Record<
      string,
      unknown
    >;
    const { $schema: _ignored, ...rest } = json;
    return rest;
  };

  for (const route of REST_ROUTES) {
    const operation: Record<string, unknown> = {
      operationId:
        `${route.method}${route.path.replace(/\{(\w+)\}/g, "By_$1").replace(/[^A-Za-z0-9]+(.)?/g, (_m, ch: string | undefined) => (ch ? ch.toUpperCase() : ""))}` ||
        route.method,
      summary: route.summary,
      tags: [route.tag],
      ...(route.auth ? { security: [{ bearer: [] }] } : { security: [] }),
      ...(route.path.includes("{id}")
        ? { parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }] }
        : {}),
      ...(route.body
        ? {
            requestBody: {
              required: true,
              content: { [route.body.contentType]: { schema: schemaRef(route.body.schema) } },
            },
          }
        : {}),
      responses: {
        [String(route.success.status)]: {
          description: route.success.description,
          ...(route.success.schema
            ? { content: { "application/json": { schema: schemaRef(route.success.schema) } } }
            : route.success.contentType
              ? { content: { [route.success.contentType]: { schema: { type: "string", format: "binary" } } } }
              : {}),
        },
        ...Object.fromEntries(
          route.errors.map((status) => [
            String(status),
            {
              description: ERROR_DESCRIPTIONS[status] ?? "error",
              content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
            },
          ]),
        ),
      },
    };
    const pathItem = paths[route.path] ?? {};
    pathItem[route.method] = operation;
    paths[route.path] = pathItem;
  }

  return {
    openapi: "3.1.0",
    info: {
      title: SERVICE_NAME,
      version: API_VERSION,
      description:
        "Public REST API of the TinyML optimization service. Authenticate with `Authorization: Bearer <API key>` (create keys through the tRPC API at /trpc, `apiKeys.create`).",
    },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
    paths,
    components: {
      schemas: { Error: schemaRef(ERROR_SCHEMA) },
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "an API key (tml_…) or an access token" },
      },
    },
  };
}
export type OpenApiDocument = ReturnType<typeof openApiDocument>;
