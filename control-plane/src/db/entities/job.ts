import { BigIntType, EntitySchema } from "@mikro-orm/core";
import type { JobSpec, JobStage, JobStatus, TargetId, TierId } from "@tinyml/workflows/contracts";

/** One optimization job: the spec asked for, where it stands, and the workflow that runs it. */
export interface Job {
  id: string;
  organizationId: string;
  projectId: string;
  modelId: string;
  spec: JobSpec;
  hardwareTarget: TargetId;
  /** The organization's tier when the job was submitted (its priority on the farm). */
  tier: TierId;
  status: JobStatus;
  stage: JobStage;
  /** 0 … 1 */
  progress: number;
  /** What the current stage is doing, in words (the workflow's progress message). */
  progressMessage?: string | null;
  workflowId: string;
  datasetBlobKey?: string | null;
  /** The dataset's file name as uploaded. */
  datasetFileName?: string | null;
  datasetBytes?: number | null;
  datasetSha256?: string | null;
  errorMessage?: string | null;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  startedAt?: Date | null;
  completedAt?: Date | null;
}

export const JobSchema = new EntitySchema<Job>({
  name: "Job",
  tableName: "jobs",
  properties: {
    id: { type: "uuid", primary: true },
    organizationId: { type: "uuid", index: true },
    projectId: { type: "uuid", index: true },
    modelId: { type: "uuid" },
    spec: { type: "json" },
    hardwareTarget: { type: "string", length: 20 },
    tier: { type: "string", length: 20 },
    status: { type: "string", length: 20 },
    stage: { type: "string", length: 20 },
    progress: { type: "double", default: 0 },
    progressMessage: { type: "text", nullable: true },
    workflowId: { type: "string", length: 100 },
    datasetBlobKey: { type: "string", length: 300, nullable: true },
    datasetFileName: { type: "string", length: 300, nullable: true },
    datasetBytes: { type: new BigIntType("number"), nullable: true },
    datasetSha256: { type: "string", length: 64, nullable: true },
    errorMessage: { type: "text", nullable: true },
    createdBy: { type: "uuid" },
    createdAt: { type: "datetime" },
    updatedAt: { type: "datetime" },
    startedAt: { type: "datetime", nullable: true },
    completedAt: { type: "datetime", nullable: true },
  },
});
