import { z } from "zod";

export const CreateProjectInput = z.object({
  name: z.string().trim().min(1, "name is required").max(200),
  description: z.string().max(5000).optional(),
});

export const ProjectView = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  organization_id: z.string(),
  created_by: z.string(),
  created_at: z.string(),
  models: z.number().int().optional(),
  jobs: z.number().int().optional(),
});
