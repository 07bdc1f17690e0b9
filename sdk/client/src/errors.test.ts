import type { ErrorCode } from "@tinyml/control-plane";
import { TRPCClientError } from "@trpc/client";
import { describe, expect, expectTypeOf, it } from "vitest";
import {
  describeError,
  exitCodeOf,
  isServiceErrorCode,
  SERVICE_ERROR_CODES,
  TinymlApiError,
  TinymlConnectionError,
  toTinymlError,
} from "./errors.js";

const QUOTA_HINT = "the monthly optimization quota of your tier is used up: upgrade or wait for the next month";

describe("error formatting", () => {
  it("adds the service's hint to its message, unless the message already says it", () => {
    const e = new TinymlApiError(429, "QUOTA_EXCEEDED", "the Free tier allows 5 optimizations a month", QUOTA_HINT);
    expect(describeError(e)).toBe(
      "the Free tier allows 5 optimizations a month (QUOTA_EXCEEDED, HTTP 429): the monthly optimization quota of your tier is used up: upgrade or wait for the next month",
    );
    expect(describeError(new TinymlApiError(413, "PAYLOAD_TOO_LARGE", "too big: send less", "send less"))).toBe(
      "too big: send less (PAYLOAD_TOO_LARGE, HTTP 413)",
    );
    expect(describeError(new TinymlApiError(409, "CONFLICT", "job j is running"))).toBe(
      "job j is running (CONFLICT, HTTP 409)",
    );
    expect(describeError(new TinymlConnectionError("cannot reach the TinyML service at http://h"))).toMatch(
      /is the server running\?/,
    );
  });

  it("says where the client's API key comes from on UNAUTHORIZED", () => {
    expect(describeError(new TinymlApiError(401, "UNAUTHORIZED", "the API key is revoked"))).toBe(
      "the API key is revoked (UNAUTHORIZED, HTTP 401): check the API key (tinyml login, or TINYML_API_KEY)",
    );
  });

  it("gives each kind of failure its exit code", () => {
    expect(exitCodeOf(new TinymlApiError(404, "NOT_FOUND", "x"))).toBe(1);
    expect(exitCodeOf(new TinymlApiError(401, "UNAUTHORIZED", "x"))).toBe(4);
    expect(exitCodeOf(new TinymlConnectionError("x"))).toBe(3);
  });

  it("reads the code, status and hint the control plane's error formatter puts in a tRPC error", () => {
    const trpc = TRPCClientError.from({
      error: {
        message: "the Free tier allows 5 optimizations a month",
        code: -32029,
        data: {
          code: "TOO_MANY_REQUESTS",
          httpStatus: 429,
          appCode: "QUOTA_EXCEEDED",
          appStatus: 429,
          hint: QUOTA_HINT,
        },
      },
    });
    expect(toTinymlError(trpc, "http://h")).toMatchObject({ status: 429, code: "QUOTA_EXCEEDED", hint: QUOTA_HINT });
    // An error raised inside a subscription's stream travels as a 500 that keeps its own code and status.
    const streamed = TRPCClientError.from({
      error: {
        message: "job j not found",
        code: -32603,
        data: { code: "INTERNAL_SERVER_ERROR", httpStatus: 500, appCode: "NOT_FOUND", appStatus: 404 },
      },
    });
    expect(toTinymlError(streamed, "http://h")).toMatchObject({ status: 404, code: "NOT_FOUND" });
  });

  it("names an answer that carries none of the service's codes by its status", () => {
    const foreign = TRPCClientError.from({
      error: { message: "teapot", code: -32600, data: { code: "BAD_REQUEST", httpStatus: 418, appCode: "TEAPOT" } },
    });
    expect(toTinymlError(foreign, "http://h")).toMatchObject({ status: 418, code: "HTTP_418" });
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

describe("the service's error codes", () => {
  it("are the control plane's ErrorCode, every one (types) and listed once at run time", () => {
    expectTypeOf(SERVICE_ERROR_CODES).toEqualTypeOf<ErrorCode[]>();
    expectTypeOf<TinymlApiError["code"]>().toExtend<string>();
    expectTypeOf<ErrorCode>().toExtend<TinymlApiError["code"]>();
    expect(new Set(SERVICE_ERROR_CODES).size).toBe(SERVICE_ERROR_CODES.length);
    for (const code of SERVICE_ERROR_CODES) expect(isServiceErrorCode(code)).toBe(true);
    expect(isServiceErrorCode("HTTP_502")).toBe(false);
    expect(isServiceErrorCode("toString")).toBe(false);
  });
});
