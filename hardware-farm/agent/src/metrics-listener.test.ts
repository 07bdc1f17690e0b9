import { request } from "node:http";
import { networkInterfaces } from "node:os";
import { Counter, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { loadAgentEnv } from "./main.js";
import { serveMetrics } from "./metrics-listener.js";

/** Whether a TCP connection to host:port is taken (an HTTP GET of /metrics answers). */
const answers = (host: string, port: number) =>
  new Promise<boolean>((resolve) => {
    request({ host, port, path: "/metrics", timeout: 2000 }, (res) => resolve(res.statusCode === 200))
      .on("error", () => resolve(false))
      .end();
  });

describe("the farm agent's metrics listener", () => {
  it("listens on loopback unless METRICS_HOST says otherwise", async () => {
    const env = loadAgentEnv({ CONTROL_PLANE_URL: "http://127.0.0.1:1", FARM_TOKEN: "t", METRICS_PORT: "0" });
    expect(env.METRICS_HOST).toBe("127.0.0.1");
    const registry = new Registry();
    new Counter({ name: "probe_total", help: "a counter", registers: [registry] }).inc();
    const listener = await serveMetrics(registry, env.METRICS_PORT as number, env.METRICS_HOST);
    try {
      const port = Number(new URL(listener.url).port);
      expect(listener.url).toBe(`http://127.0.0.1:${port}/metrics`);
      expect(await answers("127.0.0.1", port)).toBe(true);
      const outside = Object.values(networkInterfaces())
        .flat()
        .find((i) => i?.family === "IPv4" && !i.internal)?.address;
      if (outside) expect(await answers(outside, port)).toBe(false);
    } finally {
      await listener.close();
    }
  });

  it("answers 404 but for GET /metrics", async () => {
    const listener = await serveMetrics(new Registry(), 0, "127.0.0.1");
    try {
      expect((await fetch(listener.url.replace("/metrics", "/"))).status).toBe(404);
      expect((await fetch(listener.url, { method: "POST" })).status).toBe(404);
    } finally {
      await listener.close();
    }
  });
});
