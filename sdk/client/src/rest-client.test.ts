import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TinymlApiError, TinymlConnectionError } from "./errors.js";
import { createTinymlRestClient } from "./rest-client.js";

/** A real HTTP server on loopback answering the way the control plane's error formatter does. */
let server: Server;
let url: string;
const seenAuth: (string | undefined)[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seenAuth.push(req.headers.authorization);
    res.setHeader("content-type", "application/json");
    if (req.url === "/health") {
      res.end(JSON.stringify({ status: "ok" }));
    } else if (req.url === "/api/hardware-targets") {
      res.statusCode = 503;
      res.end(
        JSON.stringify({
          error: { code: "UNAVAILABLE", message: "orchestrator unreachable", hint: "retry in a minute" },
        }),
      );
    } else {
      res.statusCode = 502;
      res.setHeader("content-type", "text/html");
      res.end("<html>bad gateway</html>");
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("createTinymlRestClient", () => {
  it("reads JSON and sends the API key as a bearer token", async () => {
    const client = createTinymlRestClient({ url, apiKey: "tk_test" });
    expect(await client.health()).toEqual({ status: "ok" });
    expect(seenAuth.at(-1)).toBe("Bearer tk_test");
  });

  it("turns the service's error body into a TinymlApiError with its code, message and hint", async () => {
    const err = await createTinymlRestClient({ url })
      .hardwareTargets()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TinymlApiError);
    expect(err).toMatchObject({
      status: 503,
      code: "UNAVAILABLE",
      message: "orchestrator unreachable",
      hint: "retry in a minute",
    });
  });

  it("names the status when the answer is not JSON", async () => {
    const err = await createTinymlRestClient({ url })
      .modelFrameworks()
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 502, code: "HTTP_502" });
  });

  it("says the service cannot be reached when nothing listens", async () => {
    const err = await createTinymlRestClient({ url: "http://127.0.0.1:1" })
      .health()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TinymlConnectionError);
    expect((err as Error).message).toMatch(/cannot reach the TinyML service at http:\/\/127\.0\.0\.1:1/);
  });
});
