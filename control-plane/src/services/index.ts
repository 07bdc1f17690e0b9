import type { MikroORM } from "@mikro-orm/core";
import { createAccessTokenIssuer } from "../auth/access-tokens.js";
import type { BlobStore } from "../blob/blob-store.js";
import { blobUrlSigner } from "../blob/create-blob-store.js";
import type { ControlPlaneConfig } from "../config.js";
import { createMailer, type Mailer } from "../mail/mailer.js";
import type { Metrics } from "../metrics/metrics.js";
import { createApiKeyService } from "./api-key-service.js";
import { createAuthService } from "./auth-service.js";
import { createEmailVerificationService } from "./email-verification.js";
import { createFarmService } from "./farm-service.js";
import { createJobRecorder } from "./job-recorder.js";
import { createJobService } from "./job-service.js";
import { createModelService } from "./model-service.js";
import { createOperatorService } from "./operators.js";
import type { Orchestrator } from "./orchestrator.js";
import { createOrganizationService } from "./organization-service.js";
import { createOutbox } from "./outbox.js";
import { createProjectService } from "./project-service.js";
import { createSignedBlobService } from "./signed-blob-service.js";
import { createStatsService } from "./stats-service.js";
import { createSubscriptionService } from "./subscription-service.js";
import { createUploadService } from "./upload-service.js";
import { createUserService } from "./user-service.js";

export interface ServiceDeps {
  orm: MikroORM;
  blobStore: BlobStore;
  orchestrator: Orchestrator;
  metrics: Metrics;
  config: ControlPlaneConfig;
  /** Where mail goes (default: from the configuration, SMTP_URL). */
  mailer?: Mailer;
}

/**
 * Every service of the control plane over one set of dependencies: with the control-plane activities
 * (activities/), the only code that touches the ORM, the blob store or the Temporal client. Routes and routers reach
 * those through these services alone.
 */
export function createServices(deps: ServiceDeps) {
  const { config } = deps;
  const tokens = createAccessTokenIssuer(config.JWT_SECRET, config.ACCESS_TOKEN_TTL_S);
  const mailer = deps.mailer ?? createMailer(config);
  const outbox = createOutbox({ orm: deps.orm, mailer });
  const verification = createEmailVerificationService({ orm: deps.orm, outbox, config });
  return {
    mailer,
    /** The mail being sent (`settle()` waits for it). */
    outbox,
    auth: createAuthService({ orm: deps.orm, tokens, outbox, verification, config }),
    users: createUserService({ orm: deps.orm, verification }),
    operators: createOperatorService(deps),
    organizations: createOrganizationService(deps),
    apiKeys: createApiKeyService(deps),
    projects: createProjectService(deps),
    models: createModelService(deps),
    jobs: createJobService(deps),
    jobRecorder: createJobRecorder(deps),
    subscription: createSubscriptionService(deps),
    stats: createStatsService(deps),
    farm: createFarmService({ ...deps, farmToken: config.FARM_TOKEN }),
    uploads: createUploadService({ ...deps, idleTimeoutMs: config.UPLOAD_IDLE_TIMEOUT_MS }),
    /** The local store's signed URLs (`null` for S3, whose presigned URLs S3 itself serves). */
    signedBlobs:
      deps.blobStore.kind === "local"
        ? createSignedBlobService({
            blobStore: deps.blobStore,
            signer: blobUrlSigner(config),
            maxBytes: config.MAX_ARTIFACT_BYTES,
          })
        : null,
  };
}
export type Services = ReturnType<typeof createServices>;
