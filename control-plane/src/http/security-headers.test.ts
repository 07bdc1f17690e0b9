import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { API_CSP, securityHeaders } from "./security-headers.js";

describe("securityHeaders", () => {
  const app = new Hono();
  app.use(securityHeaders());
  app.get("/json", (c) => c.json({ ok: true }));
  app.get("/page", (c) =>
    c.html("<p>hi</p>", 200, { "content-security-policy": "default-src 'none'; style-src 'self'" }),
  );
  app.get("/cached", (c) => c.text("catalog", 200, { "cache-control": "public, max-age=60" }));
  app.get("/stream", () => new Response(new ReadableStream(), { headers: { "content-type": "text/event-stream" } }));
  app.get("/fails", () => {
    throw new Error("boom");
  });
  app.onError((_e, c) => c.json({ error: "internal" }, 500));

  it("puts nosniff, frame protection, a CSP and no-store on every answer: JSON, streams, errors, not found", async () => {
    for (const path of ["/json", "/stream", "/fails", "/nowhere"]) {
      const res = await app.request(path);
      expect([path, res.headers.get("x-content-type-options")]).toEqual([path, "nosniff"]);
      expect(res.headers.get("x-frame-options")).toBe("DENY");
      expect(res.headers.get("referrer-policy")).toBe("no-referrer");
      expect(res.headers.get("content-security-policy")).toBe(API_CSP);
      expect(res.headers.get("cache-control")).toBe("no-store");
    }
    expect(API_CSP).toContain("frame-ancestors 'none'");
  });

  it("keeps the CSP and the caching a route chose", async () => {
    const page = await app.request("/page");
    expect(page.headers.get("content-security-policy")).toBe("default-src 'none'; style-src 'self'");
    expect(page.headers.get("x-frame-options")).toBe("DENY");
    expect((await app.request("/cached")).headers.get("cache-control")).toBe("public, max-age=60");
  });
});
