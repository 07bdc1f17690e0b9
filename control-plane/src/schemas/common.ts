import { z } from "zod";
import { ERRORS, type ErrorCode } from "../errors.js";

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.enum(Object.keys(ERRORS) as [ErrorCode, ...ErrorCode[]]),
      message: z.string(),
      hint: z.string().optional().describe("what to do about it, when the message does not already say it"),
    }),
  })
  .describe("Every error answer: a stable code and a message that says what to do")
  .meta({ id: "Error" });
