import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import type { AppEnv } from "./env.js";
import { trpcBatchLimit, trpcCalls } from "./trpc-batch.js";

describe("trpcCalls", () => {
  it("counts the procedures a /trpc path names, commas encoded or not; any other request is one", () => {
    expect(trpcCalls("http://h/trpc/auth.login")).toBe(1);
    expect(trpcCalls("http://h/trpc/auth.login,auth.login,users.me?batch=1")).toBe(3);
    expect(trpcCalls("http://h/trpc/auth.login%2Cauth.login%2cauth.login?batch=1")).toBe(3);
    expect(trpcCalls("http://h/trpc/a,%E0%A4%A,b?batch=1")).toBe(3); // malformed escape: tRPC refuses it itself
    expect(trpcCalls("http://h/api/projects,x")).toBe(1);
  });
});

describe("trpcBatchLimit", () => {
  const app = new Hono<AppEnv>();
  app.use("/trpc/*", trpcBatchLimit(3));
  app.post("/trpc/*", (c) => c.text("ran"));

  it("lets a batch of up to the cap through and refuses a larger one with 400 naming the cap", async () => {
    expect(await (await app.request("/trpc/a,b,c?batch=1", { method: "POST" })).text()).toBe("ran");
    const refused = await app.request(`/trpc/${Array(1000).fill("auth.login").join("%2C")}?batch=1`, {
      method: "POST",
    });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({
      error: {
        code: "BAD_REQUEST",
        message: "a tRPC batch carries at most 3 calls; this one carries 1000",
        hint: "split the calls over several requests of at most 3",
      },
    });
  });
});
