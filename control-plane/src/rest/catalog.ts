import {
  HardwareTarget,
  hardwareTargets,
  ModelFramework,
  modelFrameworks,
  Tier,
  tiers,
} from "@tinyml/workflows/contracts";
import { z } from "zod";
import { defineRoute, jsonAnswer, restRouter } from "./openapi-route.js";

const listTargets = defineRoute({
  method: "get",
  path: "/api/hardware-targets",
  summary: "List supported hardware",
  tag: "catalog",
  auth: false,
  responses: {
    200: jsonAnswer("the hardware target catalog", z.object({ hardware_targets: z.array(HardwareTarget) })),
  },
});

const listFrameworks = defineRoute({
  method: "get",
  path: "/api/model-frameworks",
  summary: "List supported frameworks",
  tag: "catalog",
  auth: false,
  responses: {
    200: jsonAnswer(
      "frameworks and the file formats each takes",
      z.object({ model_frameworks: z.array(ModelFramework) }),
    ),
  },
});

const listTiers = defineRoute({
  method: "get",
  path: "/api/tiers",
  summary: "List subscription tiers",
  tag: "catalog",
  auth: false,
  responses: { 200: jsonAnswer("tiers and their limits", z.object({ tiers: z.array(Tier) })) },
});

/** Public, read-only catalog routes of the REST API: what the service can target and read. */
export const catalogRoutes = () =>
  restRouter()
    .openapi(listTargets, (c) => c.json({ hardware_targets: hardwareTargets() }, 200))
    .openapi(listFrameworks, (c) => c.json({ model_frameworks: modelFrameworks() }, 200))
    .openapi(listTiers, (c) => c.json({ tiers: tiers() }, 200));
