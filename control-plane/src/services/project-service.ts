import { randomUUID } from "node:crypto";
import type { MikroORM } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/knex";
import { JobSchema, ModelSchema, type Project, ProjectSchema } from "../db/entities/index.js";
import { notFound } from "../errors.js";
import type { Caller } from "./caller.js";
import { isUuid } from "./ids.js";

export interface ProjectView {
  id: string;
  name: string;
  description: string;
  organization_id: string;
  created_by: string;
  created_at: string;
  models?: number;
  jobs?: number;
}

const view = (p: Project): ProjectView => ({
  id: p.id,
  name: p.name,
  description: p.description,
  organization_id: p.organizationId,
  created_by: p.createdBy,
  created_at: p.createdAt.toISOString(),
});

/** Looks a project up in the caller's organization only: another organization's project is "not found". */
export async function findProjectOf(em: EntityManager, caller: Caller, id: string): Promise<Project> {
  const project = isUuid(id) ? await em.findOne(ProjectSchema, { id, organizationId: caller.organizationId }) : null;
  if (!project) throw notFound(`project ${id}`);
  return project;
}

export function createProjectService(deps: { orm: MikroORM }) {
  const fork = () => deps.orm.em.fork() as EntityManager;
  return {
    async create(caller: Caller, input: { name: string; description?: string | undefined }): Promise<ProjectView> {
      const em = fork();
      const project = em.create(ProjectSchema, {
        id: randomUUID(),
        organizationId: caller.organizationId,
        name: input.name,
        description: input.description ?? "",
        createdBy: caller.userId,
        createdAt: new Date(),
      });
      await em.flush();
      return view(project);
    },

    async list(caller: Caller): Promise<ProjectView[]> {
      const rows = await fork().find(
        ProjectSchema,
        { organizationId: caller.organizationId },
        { orderBy: { createdAt: "desc" } },
      );
      return rows.map(view);
    },

    async get(caller: Caller, id: string): Promise<ProjectView> {
      const em = fork();
      const project = await findProjectOf(em, caller, id);
      const [models, jobs] = await Promise.all([
        em.count(ModelSchema, { projectId: project.id }),
        em.count(JobSchema, { projectId: project.id }),
      ]);
      return { ...view(project), models, jobs };
    },
  };
}
