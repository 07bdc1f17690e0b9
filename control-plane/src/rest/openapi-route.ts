import { createRoute, OpenAPIHono, type RouteConfig } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import { z } from "zod";
import { badRequest, unauthorized } from "../errors.js";
import type { AppEnv } from "../http/env.js";
import { ErrorBody } from "../schemas/common.js";

/**
 * The pieces every public REST route is declared with: one `createRoute` each (method, path, zod schemas of
 * its parameters, body and answers), registered with its handler by `OpenAPIHono.openapi`, which validates
 * with those schemas and adds the route to the OpenAPI document. A route is declared nowhere else.
 */

/** What each error status of the public API means, as the document says it. */
const ERROR_DESCRIPTIONS = {
  400: "invalid input: the message names what is wrong",
  401: "no valid credential",
  403: "the caller's role or tier does not allow this",
  404: "not found in the caller's organization",
  409: "not in a state that allows this (not yet, or not any more)",
  413: "the upload is larger than the tier allows",
  429: "rate limit or monthly quota reached (see Retry-After)",
  503: "the orchestrator is unreachable: nothing was stored or changed, retry later",
} as const;
type ErrorStatus = keyof typeof ERROR_DESCRIPTIONS;

const NOT_JSON = "the body must be JSON (Content-Type: application/json)";
const JSON_TYPE = /^application\/([a-z-.]+\+)?json/i;

/** A body or parameter that fails its schema is a 400 naming each bad field; nothing is changed. */
function refuseInvalid(result: { success: true } | { success: false; error: z.ZodError; target: string }) {
  if (result.success) return;
  const what = result.target === "json" ? "body" : result.target;
  throw badRequest(
    `invalid ${what}: ${result.error.issues.map((i) => `${i.path.join(".") || what}: ${i.message}`).join("; ")}`,
  );
}

/** A router of public REST routes: validation failures are answered as the API's other 400s are. */
export const restRouter = () =>
  new OpenAPIHono<AppEnv>({ defaultHook: (result) => refuseInvalid(result as Parameters<typeof refuseInvalid>[0]) });

/** A signed-in caller is required: 401 before the body is read or validated. */
const requireCaller = createMiddleware<AppEnv>(async (c, next) => {
  if (!c.get("caller")) throw unauthorized();
  await next();
});

/**
 * A JSON body is required: a body that is not JSON (by its Content-Type or its text) is the API's 400 rather
 * than the validator's 415 or bare "malformed" 400. The parsed body is kept for the validator.
 */
const requireJson = createMiddleware<AppEnv>(async (c, next) => {
  if (!JSON_TYPE.test(c.req.header("content-type") ?? "")) throw badRequest(NOT_JSON);
  try {
    await c.req.json();
  } catch {
    throw badRequest(NOT_JSON);
  }
  await next();
});

/** `operationId` from method and path: `post /api/projects/{id}/optimize` → `postApiProjectsById_idOptimize`. */
const operationIdOf = (method: string, path: string) =>
  `${method}${path.replace(/\{(\w+)\}/g, "By_$1").replace(/[^A-Za-z0-9]+(.)?/g, (_m, ch: string | undefined) => (ch ? ch.toUpperCase() : ""))}` ||
  method;

type RouteOptions = Omit<RouteConfig, "operationId" | "security" | "middleware" | "tags"> & {
  tag: string;
  /** Needs `Authorization: Bearer <API key | access token>`. */
  auth: boolean;
};

/** A public route: its operation id, tag and security from the options; the caller and JSON checks it needs. */
export function defineRoute<const R extends RouteOptions>(options: R) {
  const { tag, auth, ...route } = options;
  const json = route.request?.body?.content?.["application/json"] !== undefined;
  const middleware = [...(auth ? [requireCaller] : []), ...(json ? [requireJson] : [])];
  return createRoute({
    ...route,
    operationId: operationIdOf(route.method, route.path),
    tags: [tag],
    security: auth ? [{ bearer: [] }] : [],
    middleware,
  } as const);
}

/** The error answers a route can give, each with the shared error body. */
export function errorAnswers<const S extends ErrorStatus>(...statuses: S[]) {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      { description: ERROR_DESCRIPTIONS[status], content: { "application/json": { schema: ErrorBody } } },
    ]),
  ) as unknown as Record<S, { description: string; content: { "application/json": { schema: typeof ErrorBody } } }>;
}

/** A JSON answer. */
export const jsonAnswer = <S extends z.ZodType>(description: string, schema: S) => ({
  description,
  content: { "application/json": { schema } },
});

/** A required JSON request body, validated with `schema`. */
export const jsonRequest = <S extends z.ZodType>(schema: S) => ({
  required: true,
  content: { "application/json": { schema } },
});

/** The `{id}` path parameter of a route. */
export const idParam = z.object({ id: z.string() });

/**
 * The document's schema of a body the route reads itself, as a stream (the model upload): a plain JSON Schema
 * from the zod schema, so that no validator reads the whole body into memory first.
 */
export function streamedRequest(contentType: string, schema: z.ZodType) {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, {
    target: "draft-2020-12",
    unrepresentable: "any",
    io: "output",
  }) as Record<string, unknown>;
  return { required: true, content: { [contentType]: { schema: json } } };
}
