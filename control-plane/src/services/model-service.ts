import type { MikroORM } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/knex";
import { type Model, ModelSchema } from "../db/entities/index.js";
import { notFound } from "../errors.js";
import type { Caller } from "./caller.js";
import { isUuid } from "./ids.js";
import { findProjectOf } from "./project-service.js";

export const modelView = (m: Model) => ({
  id: m.id,
  project_id: m.projectId,
  file_name: m.fileName,
  framework: m.framework,
  format: m.format,
  size_bytes: m.sizeBytes,
  sha256: m.sha256,
  created_at: m.createdAt.toISOString(),
});

/** Uploaded models of the caller's organization. */
export function createModelService(deps: { orm: MikroORM }) {
  const fork = () => deps.orm.em.fork() as EntityManager;
  return {
    async listForProject(caller: Caller, projectId: string) {
      const em = fork();
      const project = await findProjectOf(em, caller, projectId);
      const rows = await em.find(ModelSchema, { projectId: project.id }, { orderBy: { createdAt: "desc" } });
      return rows.map(modelView);
    },
    async get(caller: Caller, id: string) {
      const row = isUuid(id) ? await fork().findOne(ModelSchema, { id, organizationId: caller.organizationId }) : null;
      if (!row) throw notFound(`model ${id}`);
      return modelView(row);
    },
  };
}
