import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { FARM_REPORT_PATH, FarmReport } from "@tinyml/workflows/contracts";
import { afterEach, describe, expect, it } from "vitest";
import { parseAgentConfig } from "./agent-config.js";
import { BoardPool } from "./board-pool.js";
import { BoardReporter } from "./board-reporter.js";
import { QemuBoardDriver } from "./drivers/qemu-driver.js";
import type { AgentLog } from "./log.js";

interface Received {
  authorization: string | undefined;
  report: FarmReport;
}

/** A real HTTP server on the report route that answers with `status()` (503 while the control plane is "down"). */
async function reportServer(status: () => number): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => {
      body += d.toString();
    });
    req.on("end", () => {
      const code = status();
      if (req.method === "POST" && req.url === FARM_REPORT_PATH && code === 204) {
        received.push({ authorization: req.headers.authorization, report: FarmReport.parse(JSON.parse(body)) });
      }
      res.writeHead(code).end();
    });
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received, server };
}

const waitFor = async (condition: () => boolean, timeoutMs = 5_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
};

const recordingLog = () => {
  const lines: string[] = [];
  const log: AgentLog = {
    info: (m) => lines.push(`info ${m}`),
    warn: (m) => lines.push(`warn ${m}`),
    error: (m) => lines.push(`error ${m}`),
  };
  return { log, lines };
};

describe("BoardReporter (real HTTP)", () => {
  const servers: Server[] = [];
  const reporters: BoardReporter[] = [];
  afterEach(async () => {
    await Promise.all(reporters.map((r) => r.stop()));
    for (const s of servers) s.close();
  });

  const pool = () =>
    new BoardPool(
      parseAgentConfig({
        host: "farm-7",
        boards: [{ id: "m4-1", target: "cortex-m4", connection: { driver: "qemu" } }],
      }).boards.map((config) => ({ config, driver: new QemuBoardDriver(config.target) })),
    );

  it("posts the whole board list with the farm token on start, on every change and every beat", async () => {
    const cp = await reportServer(() => 204);
    servers.push(cp.server);
    const boards = pool();
    const { log } = recordingLog();
    const reporter = new BoardReporter({
      host: "farm-7",
      pool: boards,
      controlPlane: { url: `${cp.url}/`, token: "s3cret" },
      log,
      intervalMs: 200,
    });
    reporters.push(reporter);
    reporter.start();
    await waitFor(() => cp.received.length >= 1);
    expect(cp.received[0]).toEqual({
      authorization: "Bearer s3cret",
      report: {
        host: "farm-7",
        boards: [{ id: "m4-1", target: "cortex-m4", driver: "qemu", status: "idle", currentJobId: null, detail: null }],
      },
    });
    await boards.acquire("cortex-m4", "job-42");
    await waitFor(() => cp.received.some((r) => r.report.boards[0]?.currentJobId === "job-42"));
    const count = cp.received.length;
    await waitFor(() => cp.received.length >= count + 2); // the beat goes on without changes
  });

  it("a control plane that is down is logged once and reached again later; boards keep working meanwhile", async () => {
    let status = 503;
    const cp = await reportServer(() => status);
    servers.push(cp.server);
    const boards = pool();
    const { log, lines } = recordingLog();
    const reporter = new BoardReporter({
      host: "farm-7",
      pool: boards,
      controlPlane: { url: cp.url, token: "t" },
      log,
      intervalMs: 100,
    });
    reporters.push(reporter);
    reporter.start();
    await new Promise((r) => setTimeout(r, 450));
    const board = await boards.acquire("cortex-m4", "job-1");
    boards.markUnhealthy(board, "timed out after 300 s running job job-1");
    expect(lines.filter((l) => l.startsWith("warn"))).toEqual([
      `warn cannot report boards to ${cp.url}${FARM_REPORT_PATH}: HTTP 503  (retrying)`,
    ]);
    status = 204;
    await waitFor(() => cp.received.length > 0);
    expect(cp.received.at(-1)?.report.boards[0]).toMatchObject({
      status: "unhealthy",
      detail: "timed out after 300 s running job job-1",
    });
    expect(lines.at(-1)).toBe(`info board reports reach ${cp.url}${FARM_REPORT_PATH} again`);
  });
});
