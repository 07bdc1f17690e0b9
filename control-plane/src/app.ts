import { Hono } from "hono";
import { catalogRoutes } from "./routes/catalog.js";

export const SERVICE_NAME = "TinyML optimization service";
export const API_VERSION = "0.1.0";

/** Builds the HTTP application. Dependencies come in here as the control plane grows. */
export function createApp(): Hono {
  const app = new Hono();
  app.get("/", (c) =>
    c.json({
      name: SERVICE_NAME,
      version: API_VERSION,
      endpoints: ["/health", "/api/hardware-targets", "/api/model-frameworks", "/api/tiers"],
    }),
  );
  app.get("/health", (c) => c.json({ status: "ok" }));
  app.route("/", catalogRoutes);
  app.notFound((c) => c.json({ error: { code: "NOT_FOUND", message: `no route ${c.req.method} ${c.req.path}` } }, 404));
  return app;
}
