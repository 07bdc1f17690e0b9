import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { FARM_REPORT_PATH, FarmReport } from "@tinyml/workflows/contracts";

/**
 * A real HTTP server standing in for the control plane in the farm-agent tests: it serves blobs by URL (GET, PUT)
 * and takes the agents' board reports on the farm report route, refusing those without `farmToken`.
 */

interface ReceivedReport {
  at: number;
  report: FarmReport;
}

export interface ControlPlaneStandIn {
  url: string;
  reports: ReceivedReport[];
  refusedReports: number;
  blobs: Map<string, Buffer>;
  server: Server;
}

export async function startControlPlaneStandIn(farmToken: string): Promise<ControlPlaneStandIn> {
  const state = { reports: [] as ReceivedReport[], refusedReports: 0, blobs: new Map<string, Buffer>() };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const path = req.url ?? "";
      if (req.method === "POST" && path === FARM_REPORT_PATH) {
        if (req.headers.authorization !== `Bearer ${farmToken}`) {
          state.refusedReports++;
          res.writeHead(401).end();
          return;
        }
        state.reports.push({ at: Date.now(), report: FarmReport.parse(JSON.parse(body.toString())) });
        res.writeHead(204).end();
      } else if (path.startsWith("/blobs/") && req.method === "GET") {
        const blob = state.blobs.get(path.slice(7));
        if (blob) res.writeHead(200, { "content-type": "application/octet-stream" }).end(blob);
        else res.writeHead(404).end();
      } else if (path.startsWith("/blobs/") && req.method === "PUT") {
        state.blobs.set(path.slice(7), body);
        res.writeHead(200).end();
      } else {
        res.writeHead(404).end();
      }
    });
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, server, ...state };
}
