import type { MikroORM } from "@mikro-orm/core";
import { createAccessTokenIssuer } from "../auth/access-tokens.js";
import type { BlobStore } from "../blob/blob-store.js";
import type { ControlPlaneConfig } from "../config.js";
import type { Metrics } from "../metrics/metrics.js";
import { createApiKeyService } from "./api-key-service.js";
import { createAuthService } from "./auth-service.js";
import { createFarmService } from "./farm-service.js";
import { createJobRecorder } from "./job-recorder.js";
import { createJobService } from "./job-service.js";
import { createModelService } from "./model-service.js";
import type { Orchestrator } from "./orchestrator.js";
import { createOrganizationService } from "./organization-service.js";
import { createProjectService } from "./project-service.js";
import { createStatsService } from "./stats-service.js";
import { createSubscriptionService } from "./subscription-service.js";
import { createUserService } from "./user-service.js";

export interface ServiceDeps {
  orm: MikroORM;
  blobStore: BlobStore;
  orchestrator: Orchestrator;
  metrics: Metrics;
  config: ControlPlaneConfig;
}

/** Every service of the control plane over one set of dependencies: the only code that touches the ORM. */
export function createServices(deps: ServiceDeps) {
  const tokens = createAccessTokenIssuer(deps.config.JWT_SECRET, deps.config.ACCESS_TOKEN_TTL_S);
  return {
    deps,
    auth: createAuthService({ orm: deps.orm, tokens, config: deps.config }),
    users: createUserService(deps),
    organizations: createOrganizationService(deps),
    apiKeys: createApiKeyService(deps),
    projects: createProjectService(deps),
    models: createModelService(deps),
    jobs: createJobService(deps),
    jobRecorder: createJobRecorder(deps),
    subscription: createSubscriptionService(deps),
    stats: createStatsService(deps),
    farm: createFarmService(deps),
  };
}
export type Services = ReturnType<typeof createServices>;
