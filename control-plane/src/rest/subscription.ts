import { Hono } from "hono";
import type { AppEnv } from "../http/env.js";
import { UpgradeInput } from "../schemas/subscription.js";
import type { Services } from "../services/index.js";
import { callerOf, jsonBody } from "./request.js";

/** Subscription and statistics of the public REST API. */
export function subscriptionRoutes(services: Services) {
  return new Hono<AppEnv>()
    .get("/api/subscription", async (c) => c.json(await services.subscription.get(callerOf(c))))
    .post("/api/subscription/upgrade", async (c) => {
      const caller = callerOf(c);
      const input = await jsonBody(c, UpgradeInput);
      return c.json(await services.subscription.upgrade(caller, input));
    })
    .get("/api/stats", async (c) => c.json(await services.stats.forOrganization(callerOf(c))));
}
