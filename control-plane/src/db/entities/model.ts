import { BigIntType, EntitySchema } from "@mikro-orm/core";
import type { FrameworkId, ModelFileFormat } from "@tinyml/workflows/contracts";

/** An uploaded model: its bytes live in the blob store under `blobKey`. */
export interface Model {
  id: string;
  organizationId: string;
  projectId: string;
  blobKey: string;
  fileName: string;
  framework: FrameworkId;
  /** The container format recognised from the content. */
  format: ModelFileFormat;
  sizeBytes: number;
  sha256: string;
  createdAt: Date;
}

export const ModelSchema = new EntitySchema<Model>({
  name: "Model",
  tableName: "models",
  properties: {
    id: { type: "uuid", primary: true },
    organizationId: { type: "uuid", index: true },
    projectId: { type: "uuid", index: true },
    blobKey: { type: "string", length: 300 },
    fileName: { type: "string", length: 300 },
    framework: { type: "string", length: 20 },
    format: { type: "string", length: 30 },
    sizeBytes: { type: new BigIntType("number") },
    sha256: { type: "string", length: 64 },
    createdAt: { type: "datetime" },
  },
});
