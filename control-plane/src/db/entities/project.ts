import { EntitySchema } from "@mikro-orm/core";

export interface Project {
  id: string;
  organizationId: string;
  name: string;
  description: string;
  createdBy: string;
  createdAt: Date;
}

export const ProjectSchema = new EntitySchema<Project>({
  name: "Project",
  tableName: "projects",
  properties: {
    id: { type: "uuid", primary: true },
    organizationId: { type: "uuid", index: true },
    name: { type: "string", length: 200 },
    description: { type: "text", default: "" },
    createdBy: { type: "uuid" },
    createdAt: { type: "datetime" },
  },
});
