import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";

export interface MetricsListener {
  server: Server;
  /** Where Prometheus scrapes it: `http://HOST:PORT/metrics`. */
  url: string;
  close(): Promise<void>;
}

/**
 * Serves the registry at `GET /metrics` on a listener of its own, apart from the API: bound to loopback by
 * default, so the figures (routes, tiers, farm boards) are not public on the API's port, and a scraper on the
 * host (or a sidecar) reaches them without a credential. Port 0 picks a free port. Resolves once listening.
 */
export async function serveMetrics(options: {
  registry: Registry;
  port: number;
  host: string;
}): Promise<MetricsListener> {
  const server = createServer((req, res) => {
    if (req.method !== "GET" || (req.url ?? "").split("?")[0] !== "/metrics") {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found: GET /metrics\n");
      return;
    }
    options.registry.metrics().then(
      (text) => res.writeHead(200, { "content-type": options.registry.contentType }).end(text),
      (e: Error) => res.writeHead(500, { "content-type": "text/plain" }).end(`${e.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;
  return {
    server,
    url: `http://${host}:${port}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
