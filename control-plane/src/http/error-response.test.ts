import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { describe, expect, it, vi } from "vitest";
import { AppError, type ErrorBody } from "../errors.js";
import { errorResponse } from "./error-response.js";

const appThrowing = (err: unknown) => {
  const app = new Hono();
  app.onError((e, c) => errorResponse(c, e));
  app.get("/", () => {
    throw err;
  });
  return app;
};

describe("errorResponse", () => {
  it("answers an AppError with its status, code, message and headers", async () => {
    const res = await appThrowing(
      new AppError("QUOTA_EXCEEDED", "monthly quota used up", { headers: { "Retry-After": "60" } }),
    ).request("/");
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("60");
    expect(await res.json()).toEqual({
      error: {
        code: "QUOTA_EXCEEDED",
        message: "monthly quota used up",
        hint: "the monthly optimization quota of your tier is used up: upgrade or wait for the next month",
      },
    });
  });

  it("leaves the hint out when the message already says it, or when the error says there is none", async () => {
    const said = new AppError("PAYLOAD_TOO_LARGE", "too big: send a smaller file or upgrade the subscription");
    expect(await (await appThrowing(said).request("/")).json()).toEqual({
      error: { code: "PAYLOAD_TOO_LARGE", message: "too big: send a smaller file or upgrade the subscription" },
    });
    const own = new AppError("NOT_FOUND", "no route GET /x", { hint: "see /api/docs" });
    expect(await (await appThrowing(own).request("/")).json()).toMatchObject({ error: { hint: "see /api/docs" } });
    const none = new AppError("UNAVAILABLE", "farm reports are off: set FARM_TOKEN", { hint: null });
    expect(((await (await appThrowing(none).request("/")).json()) as ErrorBody).error).not.toHaveProperty("hint");
  });

  it("keeps an HTTPException's status and names it by the code of that status", async () => {
    const res = await appThrowing(new HTTPException(415, { message: "Unsupported Media Type" })).request("/");
    expect(res.status).toBe(415);
    expect(await res.json()).toEqual({ error: { code: "BAD_REQUEST", message: "Unsupported Media Type" } });
    const gone = await appThrowing(new HTTPException(503, { message: "down" })).request("/");
    expect(await gone.json()).toEqual({ error: { code: "UNAVAILABLE", message: "down" } });
  });

  it("hides an unexpected error's details from the client and logs them", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const res = await appThrowing(new Error("password=hunter2 in a stack")).request("/");
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).not.toContain("hunter2");
    expect(JSON.parse(text)).toEqual({
      error: { code: "INTERNAL", message: "internal error: the failure is logged on the server" },
    });
    expect(String(log.mock.calls[0]?.[1])).toContain("hunter2");
    log.mockRestore();
  });
});
