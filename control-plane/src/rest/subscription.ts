import { StatsView, SubscriptionView, UpgradeInput } from "../schemas/subscription.js";
import type { Services } from "../services/index.js";
import { defineRoute, errorAnswers, jsonAnswer, jsonRequest, restRouter } from "./openapi-route.js";
import { callerOf } from "./request.js";

const getSubscription = defineRoute({
  method: "get",
  path: "/api/subscription",
  summary: "Get subscription info",
  tag: "subscription",
  auth: true,
  responses: {
    200: jsonAnswer("tier, limits and this month's usage", SubscriptionView),
    ...errorAnswers(401, 429),
  },
});

const upgrade = defineRoute({
  method: "post",
  path: "/api/subscription/upgrade",
  summary: "Upgrade subscription (admins; Enterprise by an operator)",
  tag: "subscription",
  auth: true,
  request: { body: jsonRequest(UpgradeInput) },
  responses: { 200: jsonAnswer("the new subscription", SubscriptionView), ...errorAnswers(400, 401, 403, 429) },
});

const getStats = defineRoute({
  method: "get",
  path: "/api/stats",
  summary: "Statistics of the organization",
  tag: "stats",
  auth: true,
  responses: {
    200: jsonAnswer("projects, models, jobs by status and target, usage", StatsView),
    ...errorAnswers(401, 429),
  },
});

/** Subscription and statistics of the public REST API. */
export const subscriptionRoutes = (services: Services) =>
  restRouter()
    .openapi(getSubscription, async (c) => c.json(await services.subscription.get(callerOf(c)), 200))
    .openapi(upgrade, async (c) => c.json(await services.subscription.upgrade(callerOf(c), c.req.valid("json")), 200))
    .openapi(getStats, async (c) => c.json(await services.stats.forOrganization(callerOf(c)), 200));
