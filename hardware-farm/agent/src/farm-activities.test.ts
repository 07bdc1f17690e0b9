import { readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ApplicationFailure, CancelledFailure } from "@temporalio/common";
import { MockActivityEnvironment } from "@temporalio/testing";
import type { FarmRunRequest, FarmRunResult } from "@tinyml/workflows/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAgentConfig } from "./agent-config.js";
import { BoardPool } from "./board-pool.js";
import { QemuBoardDriver } from "./drivers/qemu-driver.js";
import { createFarmActivities } from "./farm-activities.js";
import type { AgentLog } from "./log.js";
import { AgentMetrics } from "./metrics.js";
import { kwsFirmware, kwsInputs, misbehavingFirmware, WORK } from "./testing/firmware.js";

/**
 * runBenchmark in Temporal's mock activity environment, on a real QEMU board and real firmware, with its blobs
 * behind a real HTTP server: what each kind of failure means for the job (retry or not) and for the board.
 */
const blobs = new Map<string, Buffer>();
let server: Server;
let base: string;
const quiet: AgentLog = { info: () => {}, warn: () => {}, error: () => {} };

beforeAll(async () => {
  const [kws, fault, hang] = await Promise.all([
    kwsFirmware(),
    misbehavingFirmware("fault"),
    misbehavingFirmware("hang"),
  ]);
  blobs.set("kws.elf", await readFile(kws.elf));
  blobs.set("fault.elf", await readFile(fault.elf));
  blobs.set("hang.elf", await readFile(hang.elf));
  blobs.set("kws-inputs.bin", Buffer.from(await kwsInputs(10)));
  blobs.set("small-inputs.bin", Buffer.alloc(8));
  server = createServer((req, res) => {
    const name = (req.url ?? "").slice(1);
    if (name === "unavailable") {
      res.writeHead(503).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.method === "PUT") {
        blobs.set(name, Buffer.concat(chunks));
        res.writeHead(200).end();
      } else if (blobs.has(name)) res.writeHead(200).end(blobs.get(name));
      else res.writeHead(404).end();
    });
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 180_000);
afterAll(async () => {
  server?.close();
  await rm(WORK, { recursive: true, force: true });
});

function agentParts(runTimeoutMs = 60_000) {
  const config = parseAgentConfig({
    host: "farm-unit",
    runTimeoutMs,
    boards: [{ id: "m4-1", target: "cortex-m4", connection: { driver: "qemu" } }],
  });
  const pool = new BoardPool(config.boards.map((b) => ({ config: b, driver: new QemuBoardDriver(b.target) })));
  const metrics = new AgentMetrics(config.host, pool);
  const activities = createFarmActivities({ host: config.host, pool, metrics, log: quiet, runTimeoutMs });
  return { pool, activities, metrics };
}

const request = (firmware: string, inputs: string, inferences: number, outputBytes: number): FarmRunRequest => ({
  jobId: `job-${firmware}`,
  target: "cortex-m4",
  firmware: { key: firmware, url: `${base}/${firmware}` },
  inputs: { key: inputs, url: `${base}/${inputs}` },
  outputs: { key: `out-${firmware}`, url: `${base}/out-${firmware}` },
  inferences,
  outputBytes,
});

const env = () => new MockActivityEnvironment({ taskQueue: "farm.cortex-m4", attempt: 3 });
const failureOf = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => e as ApplicationFailure,
  );

describe("runBenchmark (mock activity environment, real QEMU board, real HTTP blobs)", () => {
  it("runs, uploads the outputs, heartbeats, returns the figures with Temporal's attempt, frees the board", async () => {
    const { pool, activities } = agentParts();
    const environment = env();
    const beats: unknown[] = [];
    environment.on("heartbeat", (d: unknown) => beats.push(d));
    const result: FarmRunResult = await environment.run(
      activities.runBenchmark,
      request("kws.elf", "kws-inputs.bin", 10, 12),
    );
    expect(result).toMatchObject({
      host: "farm-unit",
      boardId: "m4-1",
      driver: "qemu",
      source: "emulated",
      attempt: 3,
    });
    expect(result.perInference).toHaveLength(10);
    expect(blobs.get("out-kws.elf")?.length).toBe(120);
    expect(beats[0]).toEqual({ stage: "waiting for a board", boardId: null, done: 0, hungBoards: [] });
    expect(beats).toContainEqual({ stage: "uploading", boardId: "m4-1", done: 10, hungBoards: [] });
    expect(pool.report()[0]).toMatchObject({ status: "idle", currentJobId: null });
  });

  it("firmware that faults: non-retryable BadInput with the harness's reason; the board stays healthy", async () => {
    const { pool, activities } = agentParts();
    const failure = await failureOf(env().run(activities.runBenchmark, request("fault.elf", "small-inputs.bin", 2, 4)));
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: "BadInput", nonRetryable: true });
    expect(failure?.message).toMatch(/the CPU faulted \(exit status 3\)/);
    expect(pool.report()[0]?.status).toBe("idle");
  });

  it("a hung board: retryable BoardHung, the board unhealthy with the job in its detail", async () => {
    const { pool, activities, metrics } = agentParts(400);
    const failure = await failureOf(env().run(activities.runBenchmark, request("hang.elf", "small-inputs.bin", 2, 4)));
    expect(failure).toMatchObject({ type: "BoardHung", nonRetryable: false });
    expect(pool.report()[0]).toMatchObject({
      status: "unhealthy",
      detail: "timed out after 0.4 s running job job-hang.elf",
    });
    // with no healthy board left, the next attempt here is refused, retryably (another agent takes it)
    const next = await failureOf(env().run(activities.runBenchmark, request("kws.elf", "kws-inputs.bin", 10, 12)));
    expect(next).toMatchObject({ type: "NoHealthyBoard", nonRetryable: false });
    expect(await metrics.registry.getSingleMetricAsString("tinyml_farm_benchmarks_total")).toMatch(
      /outcome="board_hung",host="farm-unit"\} 1/,
    );
  });

  it("the boards a job hung on travel in the heartbeat; after two, the next attempt fails as bad input at once", async () => {
    const { pool, activities } = agentParts(400);
    const environment = env();
    const beats: unknown[] = [];
    environment.on("heartbeat", (d: unknown) => beats.push(d));
    await failureOf(environment.run(activities.runBenchmark, request("hang.elf", "small-inputs.bin", 2, 4)));
    expect(beats.at(-1)).toMatchObject({ stage: "hung", hungBoards: ["farm-unit/m4-1"] });

    const fresh = agentParts();
    const third = new MockActivityEnvironment({
      taskQueue: "farm.cortex-m4",
      attempt: 3,
      heartbeatDetails: { stage: "hung", boardId: "m4-2", done: 0, hungBoards: ["farm-a/m4-1", "farm-b/m4-2"] },
    });
    const failure = await failureOf(
      third.run(fresh.activities.runBenchmark, request("kws.elf", "kws-inputs.bin", 10, 12)),
    );
    expect(failure).toMatchObject({ type: "BadInput", nonRetryable: true });
    expect(failure?.message).toMatch(/the firmware did not finish on 2 boards \(farm-a\/m4-1, farm-b\/m4-2\)/);
    expect(fresh.pool.report()[0]?.status).toBe("idle");
    expect(pool.report()[0]?.status).toBe("unhealthy");
  });

  it("blobs: a refused URL is bad input, an unavailable store is retried", async () => {
    const { activities } = agentParts();
    const missing = await failureOf(env().run(activities.runBenchmark, request("nope.elf", "kws-inputs.bin", 10, 12)));
    expect(missing).toMatchObject({ type: "BadInput", nonRetryable: true });
    expect(missing?.message).toMatch(/cannot download the firmware \(nope\.elf\): HTTP 404/);
    const down = await failureOf(env().run(activities.runBenchmark, request("kws.elf", "unavailable", 10, 12)));
    expect(down).toMatchObject({ type: "BlobTransfer", nonRetryable: false });
  });

  it("a request on the wrong queue or with impossible sizes is bad input, before any board is taken", async () => {
    const { pool, activities } = agentParts();
    const wrongQueue = await failureOf(
      env().run(activities.runBenchmark, { ...request("kws.elf", "kws-inputs.bin", 10, 12), target: "stm32" as const }),
    );
    expect(wrongQueue).toMatchObject({ type: "BadInput", nonRetryable: true });
    expect(wrongQueue?.message).toMatch(/a stm32 benchmark was sent to task queue farm\.cortex-m4 \(use farm\.stm32\)/);
    const sizes = await failureOf(env().run(activities.runBenchmark, request("kws.elf", "kws-inputs.bin", 3, 12)));
    expect(sizes?.message).toMatch(/the inputs \(4900 bytes\) are not 3 inputs of one size/);
    expect(pool.report()[0]?.status).toBe("idle");
  });

  it("cancelled while running: the run is killed and the cancellation confirmed; the board is free", async () => {
    const { pool, activities } = agentParts();
    const environment = env();
    const running = failureOf(environment.run(activities.runBenchmark, request("hang.elf", "small-inputs.bin", 2, 4)));
    for (let i = 0; i < 100 && pool.report()[0]?.status !== "busy"; i++) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    environment.cancel();
    expect(await running).toBeInstanceOf(CancelledFailure);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(pool.report()[0]?.status).toBe("idle");
  });
});
