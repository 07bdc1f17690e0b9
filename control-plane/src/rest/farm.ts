import { FARM_REPORT_PATH } from "@tinyml/workflows/contracts";
import { Hono } from "hono";
import { z } from "zod";
import { AppError } from "../errors.js";
import { bearerOf } from "../http/bearer.js";
import type { AppEnv } from "../http/env.js";
import { FarmBoardView } from "../schemas/farm.js";
import type { Services } from "../services/index.js";
import { defineRoute, errorAnswers, jsonAnswer, restRouter } from "./openapi-route.js";
import { callerOf } from "./request.js";

/**
 * Farm agents report their boards at `FARM_REPORT_PATH` with `Authorization: Bearer <FARM_TOKEN>` (checked by
 * the farm service). A grid-internal route: not part of the public API's document.
 */
export function farmReportRoutes(services: Services) {
  return new Hono<AppEnv>().post(FARM_REPORT_PATH, async (c) => {
    services.farm.checkReporter(bearerOf(c.req.header("authorization")));
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      throw new AppError("BAD_REQUEST", "the farm report must be JSON (Content-Type: application/json)");
    }
    return c.json(await services.farm.report(body));
  });
}

const listBoards = defineRoute({
  method: "get",
  path: "/api/farm/boards",
  summary: "Boards of the hardware farm and what they are doing",
  tag: "farm",
  auth: true,
  responses: {
    200: jsonAnswer(
      "every board the farm hosts reported, offline when not seen recently",
      z.object({ boards: z.array(FarmBoardView) }),
    ),
    ...errorAnswers(401, 429),
  },
});

/** The farm's boards for signed-in users. */
export const farmRoutes = (services: Services) =>
  restRouter().openapi(listBoards, async (c) => c.json({ boards: await services.farm.boards(callerOf(c)) }, 200));
