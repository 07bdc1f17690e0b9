import { TRPCClientError } from "@trpc/client";
import { describe, expect, it } from "vitest";
import { describeError, exitCodeOf, TinymlApiError, TinymlConnectionError, toTinymlError } from "./errors.js";

describe("error formatting", () => {
  it("adds what to do to the service's message", () => {
    const e = new TinymlApiError(429, "QUOTA_EXCEEDED", "the Free tier allows 5 optimizations a month");
    expect(describeError(e)).toBe(
      "the Free tier allows 5 optimizations a month (QUOTA_EXCEEDED, HTTP 429): the monthly optimization quota of your tier is used up: upgrade or wait for the next month",
    );
    expect(describeError(new TinymlApiError(400, "UNSUPPORTED_MODEL", "op ethos-u is not supported"))).toMatch(
      /op ethos-u is not supported \(UNSUPPORTED_MODEL, HTTP 400\): the model's format or operators/,
    );
    expect(describeError(new TinymlApiError(409, "CONFLICT", "job j is running"))).toBe(
      "job j is running (CONFLICT, HTTP 409)",
    );
    expect(describeError(new TinymlConnectionError("cannot reach the TinyML service at http://h"))).toMatch(
      /is the server running\?/,
    );
  });

  it("gives each kind of failure its exit code", () => {
    expect(exitCodeOf(new TinymlApiError(404, "NOT_FOUND", "x"))).toBe(1);
    expect(exitCodeOf(new TinymlApiError(401, "UNAUTHORIZED", "x"))).toBe(4);
    expect(exitCodeOf(new TinymlConnectionError("x"))).toBe(3);
  });

  it("reads the appCode the control plane's error formatter puts in a tRPC error", () => {
    const trpc = TRPCClientError.from({
      error: {
        message: "the Free tier allows 5 optimizations a month",
        code: -32029,
        data: { code: "TOO_MANY_REQUESTS", httpStatus: 429, appCode: "QUOTA_EXCEEDED" },
      },
    });
    expect(toTinymlError(trpc, "http://h")).toMatchObject({ status: 429, code: "QUOTA_EXCEEDED" });
  });

  it("calls a refused connection a connection error", () => {
    const refused = new TypeError("fetch failed", {
      cause: Object.assign(new Error("connect"), { code: "ECONNREFUSED" }),
    });
    const e = toTinymlError(TRPCClientError.from(refused), "http://h:9");
    expect(e).toBeInstanceOf(TinymlConnectionError);
    expect(e.message).toBe("cannot reach the TinyML service at http://h:9: ECONNREFUSED");
  });
});
