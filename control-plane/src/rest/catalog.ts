import { hardwareTargets, modelFrameworks, tiers } from "@tinyml/workflows/contracts";
import { Hono } from "hono";
import type { AppEnv } from "../http/env.js";

/** Public, read-only catalog routes of the REST API: what the service can target and read. */
export const catalogRoutes = new Hono<AppEnv>()
  .get("/api/hardware-targets", (c) => c.json({ hardware_targets: hardwareTargets() }))
  .get("/api/model-frameworks", (c) => c.json({ model_frameworks: modelFrameworks() }))
  .get("/api/tiers", (c) => c.json({ tiers: tiers() }));
