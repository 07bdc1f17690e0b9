import { createCallerFactory, router } from "../trpc/init.js";
import { apiKeysRouter } from "./api-keys.js";
import { authRouter } from "./auth.js";
import { frameworksRouter, targetsRouter, tiersRouter } from "./catalog.js";
import { farmRouter } from "./farm.js";
import { jobsRouter } from "./jobs.js";
import { modelsRouter } from "./models.js";
import { orgsRouter } from "./orgs.js";
import { projectsRouter } from "./projects.js";
import { statsRouter } from "./stats.js";
import { subscriptionRouter } from "./subscription.js";
import { usersRouter } from "./users.js";

/** The tRPC API at /trpc: one router per domain. */
export const appRouter = router({
  auth: authRouter,
  users: usersRouter,
  orgs: orgsRouter,
  apiKeys: apiKeysRouter,
  projects: projectsRouter,
  models: modelsRouter,
  jobs: jobsRouter,
  targets: targetsRouter,
  frameworks: frameworksRouter,
  tiers: tiersRouter,
  subscription: subscriptionRouter,
  stats: statsRouter,
  farm: farmRouter,
});
export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
