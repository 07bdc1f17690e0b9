import { z } from "zod";

export const ErrorBody = z
  .object({ error: z.object({ code: z.string(), message: z.string() }) })
  .describe("Every error answer: a stable code and a message that says what to do");

export const Id = z.string().min(1).max(100);
