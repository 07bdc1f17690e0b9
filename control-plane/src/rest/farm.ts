import { createHash, timingSafeEqual } from "node:crypto";
import { FARM_REPORT_PATH } from "@tinyml/workflows/contracts";
import { Hono } from "hono";
import { AppError, unauthorized } from "../errors.js";
import type { AppEnv } from "../http/env.js";
import type { Services } from "../services/index.js";
import { callerOf } from "./request.js";

const digest = (s: string) => createHash("sha256").update(s).digest();

/**
 * Farm agents report their boards at `FARM_REPORT_PATH` with `Authorization: Bearer <FARM_TOKEN>`. Without a
 * FARM_TOKEN configured the control plane takes no reports (503 saying so): a board registry anyone could
 * write would let anyone fake the farm.
 */
export function farmReportRoutes(services: Services) {
  const token = services.deps.config.FARM_TOKEN;
  const expected = token ? digest(token) : null;
  return new Hono<AppEnv>().post(FARM_REPORT_PATH, async (c) => {
    if (!expected) {
      throw new AppError(
        "UNAVAILABLE",
        "farm reports are off: set FARM_TOKEN on the control plane and give the farm agents the same token",
      );
    }
    const bearer = /^Bearer\s+(\S+)$/i.exec(c.req.header("authorization") ?? "")?.[1];
    // Compared as digests, in constant time, so the answer's timing says nothing about the token.
    if (!bearer || !timingSafeEqual(digest(bearer), expected)) {
      throw unauthorized("farm reports need Authorization: Bearer <FARM_TOKEN> (the control plane's farm token)");
    }
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      throw new AppError("BAD_REQUEST", "the farm report must be JSON (Content-Type: application/json)");
    }
    return c.json(await services.farm.report(body));
  });
}

/** The farm's boards for signed-in users (`GET /api/farm/boards`). */
export function farmRoutes(services: Services) {
  return new Hono<AppEnv>().get("/api/farm/boards", async (c) =>
    c.json({ boards: await services.farm.boards(callerOf(c)) }),
  );
}
