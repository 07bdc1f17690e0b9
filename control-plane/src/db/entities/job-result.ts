import { EntitySchema } from "@mikro-orm/core";

/**
 * What a finished job produced: its figures (each with its `source`: measured, emulated, estimated or
 * computed) and the
 * optimized model's blob.
 */
export interface JobResult {
  id: string;
  jobId: string;
  organizationId: string;
  metrics: Record<string, unknown>;
  artifactBlobKey?: string | null;
  artifactFileName?: string | null;
  /** Notes to read with the figures (a step skipped and why); `null` on rows older than notes. */
  notes?: string[] | null;
  createdAt: Date;
}

export const JobResultSchema = new EntitySchema<JobResult>({
  name: "JobResult",
  tableName: "job_results",
  properties: {
    id: { type: "uuid", primary: true },
    jobId: { type: "uuid", unique: true },
    organizationId: { type: "uuid", index: true },
    metrics: { type: "json" },
    artifactBlobKey: { type: "string", length: 300, nullable: true },
    artifactFileName: { type: "string", length: 300, nullable: true },
    notes: { type: "json", nullable: true },
    createdAt: { type: "datetime" },
  },
});
