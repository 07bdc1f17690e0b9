import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { AppError } from "./errors.js";
import { authenticate } from "./http/authenticate.js";
import type { AppEnv } from "./http/env.js";
import { errorResponse } from "./http/error-response.js";
import { rateLimit } from "./http/rate-limit.js";
import { requestMetrics } from "./http/request-metrics.js";
import { securityHeaders } from "./http/security-headers.js";
import { TRPC_MAX_BATCH, trpcBatchLimit, trpcCalls } from "./http/trpc-batch.js";
import { createMetrics, type Metrics } from "./metrics/metrics.js";
import { openApiDocument } from "./openapi/openapi-document.js";
import { catalogRoutes } from "./rest/catalog.js";
import { coreRoutes } from "./rest/core.js";
import { farmReportRoutes, farmRoutes } from "./rest/farm.js";
import { jobRoutes } from "./rest/jobs.js";
import { projectRoutes } from "./rest/projects.js";
import { signedBlobRoutes } from "./rest/signed-blobs.js";
import { subscriptionRoutes } from "./rest/subscription.js";
import { API_VERSION, SERVICE_NAME } from "./service-info.js";
import type { Services } from "./services/index.js";
import { createContextInner } from "./trpc/context.js";
import { answerTrpc, TRPC_PROCEDURES } from "./trpc/endpoint.js";

export { API_VERSION, SERVICE_NAME };

export interface AppOptions {
  /** The services behind the stateful routes; without them only the catalog, health and docs answer. */
  services?: Services;
  /** The registry the HTTP middleware counts in (a fresh one by default), served apart by `serveMetrics`. */
  metrics?: Metrics;
  /** Requests per minute per credential and per IP (default 600). */
  rateLimitPerMinute?: number;
  trustProxy?: boolean;
  /** Origins allowed to call the API from a browser. */
  corsOrigins?: string[];
}

/**
 * JSON bodies (everything but the streamed model upload and the PUTs of signed blob URLs, which limit their
 * own size while streaming) are small: refuse larger ones before reading them.
 */
const JSON_BODY_LIMIT = 1024 * 1024;
const isUpload = (method: string, path: string) =>
  (method === "POST" && /^\/api\/projects\/[^/]+\/optimize$/.test(path)) ||
  (method === "PUT" && path.startsWith("/internal/blobs/"));

/** Routes that are never rate limited: the probes. */
const UNLIMITED = new Set(["/health"]);

/**
 * The HTTP application: the public REST API of the original specification and tRPC at /trpc over the same
 * services, OpenAPI at /api/docs (Prometheus metrics are served apart, by `serveMetrics`). Middleware: security
 * headers → metrics → tRPC batch size → rate limit (each call of a tRPC batch counts) → authentication.
 */
export function createApp(options: AppOptions = {}): OpenAPIHono<AppEnv> {
  const { services } = options;
  const metrics = options.metrics ?? createMetrics();
  const limiter = rateLimit({
    limit: options.rateLimitPerMinute ?? 600,
    windowMs: 60_000,
    trustProxy: options.trustProxy ?? false,
    metrics,
    cost: (c) => trpcCalls(c.req.url),
  });
  const app = new OpenAPIHono<AppEnv>();
  app.use(securityHeaders());
  app.use(requestMetrics(metrics, { trpcProcedures: TRPC_PROCEDURES }));
  app.use("/trpc/*", trpcBatchLimit(TRPC_MAX_BATCH));
  app.use((c, next) => (UNLIMITED.has(c.req.path) ? next() : limiter(c, next)));
  if (options.corsOrigins?.length) {
    app.use(
      cors({
        origin: options.corsOrigins,
        allowHeaders: ["authorization", "content-type"],
        exposeHeaders: ["retry-after"],
      }),
    );
  }
  const jsonLimit = bodyLimit({
    maxSize: JSON_BODY_LIMIT,
    onError: (c) =>
      errorResponse(
        c,
        new AppError("PAYLOAD_TOO_LARGE", `request bodies are limited to ${JSON_BODY_LIMIT} bytes`, {
          hint: "model files go to the optimize route (multipart), everything else is a small JSON body",
        }),
      ),
  });
  app.use((c, next) => (isUpload(c.req.method, c.req.path) ? next() : jsonLimit(c, next)));
  app.onError((err, c) => errorResponse(c, err));
  app.notFound((c) =>
    errorResponse(
      c,
      new AppError("NOT_FOUND", `no route ${c.req.method} ${c.req.path}`, {
        hint: "the API's routes are at /api/docs",
      }),
    ),
  );

  app.route(
    "/",
    coreRoutes((origin) => openApiDocument(app, origin)),
  );
  app.route("/", catalogRoutes());

  if (services) {
    // Grid routes carry their own credential (a signed URL, the farm token), so they come before user
    // authentication.
    if (services.signedBlobs) app.route("/", signedBlobRoutes(services.signedBlobs));
    app.route("/", farmReportRoutes(services));
    app.use(authenticate(services));
    app.route("/", projectRoutes(services));
    app.route("/", farmRoutes(services));
    app.route("/", jobRoutes(services));
    app.route("/", subscriptionRoutes(services));
    app.all("/trpc/*", (c) =>
      answerTrpc(
        c.req.raw,
        () => createContextInner({ services, caller: c.get("caller"), clientIp: c.get("clientIp") }),
        TRPC_MAX_BATCH,
      ),
    );
  }
  return app;
}
