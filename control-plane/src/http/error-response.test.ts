import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { describe, expect, it, vi } from "vitest";
import { AppError } from "../errors.js";
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
      new AppError("QUOTA_EXCEEDED", "monthly quota used up", { "Retry-After": "60" }),
    ).request("/");
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("60");
    expect(await res.json()).toEqual({ error: { code: "QUOTA_EXCEEDED", message: "monthly quota used up" } });
  });

  it("keeps an HTTPException's status", async () => {
    const res = await appThrowing(new HTTPException(418, { message: "teapot" })).request("/");
    expect(res.status).toBe(418);
    expect(await res.json()).toEqual({ error: { code: "HTTP_418", message: "teapot" } });
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
