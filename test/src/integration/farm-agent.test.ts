import { type ChildProcess, execFile, spawn } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { ApplicationFailure, Client, Connection, WorkflowFailedError } from "@temporalio/client";
import { DefaultLogger, NativeConnection, Runtime, Worker } from "@temporalio/worker";
import {
  FARM_REPORT_PATH,
  FarmReport,
  type FarmRunRequest,
  type FarmRunResult,
  farmPriorityKey,
} from "@tinyml/workflows/contracts";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

/**
 * The hardware-farm agent on the real stack: agents run as processes of the `tinyml-farm-agent` bin with QEMU
 * boards, against the Temporal dev server of the global setup; benchmarks are scheduled by a small test workflow
 * (hardware-farm/agent/src/testing/workflows.ts) the way optimizeModel schedules them. A real HTTP server in the
 * test plays the control plane's part: it serves the blobs by URL (GET, PUT) and takes the agents' board reports.
 */

const exec = promisify(execFile);
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const AGENT_BIN = join(REPO_ROOT, "hardware-farm/agent/bin/tinyml-farm-agent.js");
const TEST_WORKFLOWS = join(REPO_ROOT, "hardware-farm/agent/src/testing/workflows.ts");
const FIXTURES = process.env.TINYML_FIXTURES ?? join(REPO_ROOT, "..", "shared", "fixtures");
const KWS_MODEL = join(FIXTURES, "mlperf-tiny/kws/kws_ref_model.tflite");
const KWS_INPUTS = join(FIXTURES, "mlperf-tiny/kws/eembc-inputs");
const WORK = join(REPO_ROOT, ".tmp", "farm-agent-it");
const FARM_TOKEN = "farm-test-token";
const WORKFLOW_QUEUE = `farm-agent-test-${randomUUID()}`;
const KWS_OUTPUT_BYTES = 12;

const { TEMPORAL_ADDRESS } = inject("stackEnv");
const namespace = `farm-agent-${randomUUID().slice(0, 8)}`;

let clientConnection: Connection;
let workerConnection: NativeConnection;
let client: Client;
let workflowWorker: Worker;
let workflowWorkerRun: Promise<void>;
let controlPlane: ControlPlaneStandIn;
let firmware: Buffer;
let scratch: string;
const agents: AgentProcess[] = [];

// ── a real HTTP server standing in for the control plane: blob URLs and the farm report route ─────────────────

interface ReceivedReport {
  at: number;
  report: FarmReport;
}

interface ControlPlaneStandIn {
  url: string;
  reports: ReceivedReport[];
  refusedReports: number;
  blobs: Map<string, Buffer>;
  server: Server;
}

async function startControlPlaneStandIn(): Promise<ControlPlaneStandIn> {
  const state = { reports: [] as ReceivedReport[], refusedReports: 0, blobs: new Map<string, Buffer>() };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const path = req.url ?? "";
      if (req.method === "POST" && path === FARM_REPORT_PATH) {
        if (req.headers.authorization !== `Bearer ${FARM_TOKEN}`) {
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

// ── agents as processes of the bin ──────────────────────────────────────────────────────────────────────────

interface AgentProcess {
  host: string;
  child: ChildProcess;
  log: () => string;
}

async function startAgent(
  host: string,
  boards: { id: string; runTimeoutMs?: number }[],
  env: Record<string, string> = {},
): Promise<AgentProcess> {
  const config = {
    host,
    boards: boards.map((b) => ({ ...b, target: "cortex-m4", connection: { driver: "qemu" } })),
  };
  const configPath = join(scratch, `${host}.json`);
  await writeFile(configPath, JSON.stringify(config));
  const child = spawn(process.execPath, [AGENT_BIN, "--config", configPath], {
    env: {
      ...process.env,
      TEMPORAL_ADDRESS,
      TEMPORAL_NAMESPACE: namespace,
      CONTROL_PLANE_URL: controlPlane.url,
      FARM_TOKEN,
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    output += d.toString();
  });
  const agent = { host, child, log: () => output };
  agents.push(agent);
  await waitFor(`${host} ready`, () => / info ready/.test(output) || child.exitCode !== null, 30_000);
  if (child.exitCode !== null) throw new Error(`agent ${host} exited ${child.exitCode}:\n${output}`);
  return agent;
}

async function stopAgent(agent: AgentProcess): Promise<void> {
  if (agent.child.exitCode !== null || agent.child.signalCode !== null) return;
  const exited = new Promise((done) => agent.child.once("exit", done));
  agent.child.kill("SIGTERM");
  await exited;
}

// ── helpers ─────────────────────────────────────────────────────────────────────────────────────────────────

async function waitFor(what: string, condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function waitForAsync(what: string, condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function childPids(pid: number): Promise<number[]> {
  const { stdout } = await exec("ps", ["-o", "pid=", "--ppid", String(pid)]).catch(() => ({ stdout: "" }));
  return stdout
    .split("\n")
    .filter((l) => l.trim())
    .map(Number);
}

const isAlive = async (pid: number): Promise<boolean> => {
  const { stdout } = await exec("ps", ["-o", "stat=", "-p", String(pid)]).catch(() => ({ stdout: "" }));
  return stdout.trim() !== "" && !stdout.trim().startsWith("Z");
};

async function kwsInputs(count: number): Promise<Buffer> {
  const names = (await readdir(KWS_INPUTS)).filter((n) => n.endsWith(".bin")).sort();
  return Buffer.concat(await Promise.all(names.slice(0, count).map((n) => readFile(join(KWS_INPUTS, n)))));
}

/** TensorFlow Lite Micro's outputs for the same inputs (the project's oracle), as a sha256 of all output bytes. */
async function tflmOutputsSha256(inputs: Buffer): Promise<string> {
  const raw = join(scratch, `oracle-${randomUUID()}.bin`);
  const npz = `${raw}.npz`;
  await writeFile(raw, inputs);
  const python = join(REPO_ROOT, ".venv/bin/python");
  await exec(python, [
    "-c",
    "import sys, numpy as np; np.savez(sys.argv[2], x=np.fromfile(sys.argv[1], dtype=np.int8).reshape(-1, 49, 10, 1))",
    raw,
    npz,
  ]);
  const { stdout } = await exec(
    python,
    [join(REPO_ROOT, "workers/engine/oracle/run_tflite.py"), KWS_MODEL, npz, "--interpreter", "tflm"],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  return (JSON.parse(stdout) as { outputs_sha256: string }).outputs_sha256;
}

/** Puts the firmware and `count` KWS inputs behind blob URLs; the request the workflow hands to the farm. */
async function benchmarkRequest(jobId: string, count: number): Promise<FarmRunRequest> {
  controlPlane.blobs.set(`${jobId}/firmware.elf`, firmware);
  controlPlane.blobs.set(`${jobId}/inputs.bin`, await kwsInputs(count));
  const blob = (name: string) => ({
    key: `jobs/${jobId}/artifacts/${name}`,
    url: `${controlPlane.url}/blobs/${jobId}/${name}`,
  });
  return {
    jobId,
    target: "cortex-m4",
    firmware: blob("firmware.elf"),
    inputs: blob("inputs.bin"),
    outputs: blob("outputs.bin"),
    inferences: count,
    outputBytes: KWS_OUTPUT_BYTES,
  };
}

function startBenchmark(request: FarmRunRequest, priorityKey: number, heartbeatTimeoutMs = 10_000) {
  return client.workflow.start("farmBenchmark", {
    taskQueue: WORKFLOW_QUEUE,
    workflowId: `farm-benchmark-${request.jobId}`,
    args: [request, { heartbeatTimeoutMs, startToCloseTimeoutMs: 120_000, maximumAttempts: 4 }],
    priority: { priorityKey },
  });
}

/** Each board's status over time, as reported: the report that last set it. */
const boardReports = (host: string, boardId: string) =>
  controlPlane.reports
    .filter((r) => r.report.host === host)
    .flatMap((r) => r.report.boards.filter((b) => b.id === boardId));

/** The jobs a board was seen busy with, in order. */
function busyJobs(host: string, boardId: string): string[] {
  const jobs: string[] = [];
  for (const board of boardReports(host, boardId)) {
    if (board.status === "busy" && board.currentJobId && jobs.at(-1) !== board.currentJobId)
      jobs.push(board.currentJobId);
  }
  return jobs;
}

// ── set-up: a namespace of its own, the KWS firmware, the workflow worker, the stand-in ─────────────────────

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger("WARN") });
  scratch = await mkdtemp(join(tmpdir(), "farm-agent-it-"));
  await mkdir(WORK, { recursive: true });
  // The KWS model's C from the engine's CLI, built into mps2-an386 firmware, as a job's compile step does.
  await exec("pnpm", ["--filter", "@tinyml/engine", "exec", "tinyml-engine", "codegen", KWS_MODEL, "--out", WORK], {
    cwd: REPO_ROOT,
  });
  await exec(join(REPO_ROOT, "hardware-farm/firmware/build.sh"), ["mps2-an386", join(WORK, "c"), join(WORK, "build")], {
    maxBuffer: 16 * 1024 * 1024,
  });
  firmware = await readFile(join(WORK, "build/fw.elf"));

  clientConnection = await Connection.connect({ address: TEMPORAL_ADDRESS });
  client = new Client({ connection: clientConnection, namespace });
  // A namespace of its own: no other test's workers or tasks on farm.cortex-m4.
  await exec(join(REPO_ROOT, ".venv/bin/temporal"), [
    "operator",
    "namespace",
    "create",
    "--namespace",
    namespace,
    "--address",
    TEMPORAL_ADDRESS as string,
  ]);
  const registered = Date.now();
  for (;;) {
    try {
      await clientConnection.workflowService.describeNamespace({ namespace });
      break;
    } catch (e) {
      if (Date.now() - registered > 30_000) throw e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  workerConnection = await NativeConnection.connect({ address: TEMPORAL_ADDRESS });
  workflowWorker = await Worker.create({
    connection: workerConnection,
    namespace,
    taskQueue: WORKFLOW_QUEUE,
    workflowsPath: TEST_WORKFLOWS,
  });
  workflowWorkerRun = workflowWorker.run();
  controlPlane = await startControlPlaneStandIn();
}, 180_000);

afterAll(async () => {
  await Promise.all(agents.map(stopAgent));
  workflowWorker?.shutdown();
  await workflowWorkerRun;
  await workerConnection?.close();
  await clientConnection?.close();
  controlPlane?.server.close();
  await rm(scratch, { recursive: true, force: true });
});

describe("hardware-farm agent (real Temporal, QEMU boards, agents as processes)", () => {
  it("a busy board serves a Pro benchmark before a Free one queued earlier", async () => {
    const host = "farm-prio";
    const agent = await startAgent(host, [{ id: "m4-prio" }]);
    const tag = randomUUID().slice(0, 8);
    const occupy = await startBenchmark(await benchmarkRequest(`occupy-${tag}`, 400), farmPriorityKey("free"));
    await waitFor("the board busy", () => busyJobs(host, "m4-prio").includes(`occupy-${tag}`), 30_000);

    const free = await startBenchmark(await benchmarkRequest(`free-${tag}`, 20), farmPriorityKey("free"));
    // the grid health check takes a board slot like any task (default priority 3: queued behind the Free one)
    const health = client.workflow.execute("gridHealthCheck", {
      taskQueue: WORKFLOW_QUEUE,
      workflowId: `farm-health-${tag}`,
      args: [["farm.cortex-m4"]],
    }) as Promise<{ taskQueue: string; pid: number }[]>;
    // the Free task is queued first (its workflow has scheduled the activity) …
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
      const pending = (await free.describe()).raw.pendingActivities ?? [];
      if (pending.length > 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    // … then the Pro one, while the board is still busy.
    const pro = await startBenchmark(await benchmarkRequest(`pro-${tag}`, 20), farmPriorityKey("pro"));
    expect(busyJobs(host, "m4-prio")).toEqual([`occupy-${tag}`]);

    const [occupied, freeRun, proRun] = await Promise.all([
      occupy.result() as Promise<FarmRunResult>,
      free.result() as Promise<FarmRunResult>,
      pro.result() as Promise<FarmRunResult>,
    ]);
    expect(busyJobs(host, "m4-prio")).toEqual([`occupy-${tag}`, `pro-${tag}`, `free-${tag}`]);
    expect(await health).toEqual([expect.objectContaining({ taskQueue: "farm.cortex-m4", pid: agent.child.pid })]);
    for (const run of [occupied, freeRun, proRun]) {
      expect(run).toMatchObject({ host, boardId: "m4-prio", driver: "qemu", source: "emulated", attempt: 1 });
    }
    expect(proRun.perInference).toHaveLength(20);
    expect(controlPlane.blobs.get(`pro-${tag}/outputs.bin`)?.length).toBe(20 * KWS_OUTPUT_BYTES);
    expect(controlPlane.refusedReports).toBe(0);
    await stopAgent(agent);
  });

  it("firmware that fails on the board fails the benchmark once, as bad input; the board stays healthy; metrics count it", async () => {
    const agent = await startAgent("farm-bad", [{ id: "m4-bad" }], { METRICS_PORT: "0" });
    const jobId = `bad-${randomUUID().slice(0, 8)}`;
    const request = await benchmarkRequest(jobId, 3);
    // 3 inputs of 300 bytes: not a whole number of the model's 490-byte inputs, the harness refuses input.bin
    controlPlane.blobs.set(`${jobId}/inputs.bin`, Buffer.alloc(900));
    const handle = await startBenchmark(request, farmPriorityKey("pro"));
    const failure = await handle.result().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const cause = (failure as WorkflowFailedError).cause?.cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect(cause).toMatchObject({ type: "BadInput", nonRetryable: true });
    expect((cause as ApplicationFailure).message).toMatch(
      /host file I\/O through semihosting failed \(exit status 2\).*input\.bin length/s,
    );
    expect(agent.log().match(new RegExp(`job ${jobId} attempt`, "g"))).toHaveLength(1);
    await waitFor("the board idle again", () => boardReports(agent.host, "m4-bad").at(-1)?.status === "idle", 10_000);
    expect(boardReports(agent.host, "m4-bad").some((b) => b.status === "unhealthy")).toBe(false);

    // a good run after it, then the agent's Prometheus metrics
    await (await startBenchmark(await benchmarkRequest(`${jobId}-ok`, 5), farmPriorityKey("pro"))).result();
    const port = agent.log().match(/metrics on :(\d+)\/metrics/)?.[1];
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const line = (outcome: string) =>
      new RegExp(
        `tinyml_farm_benchmarks_total\\{target="cortex-m4",board="m4-bad",outcome="${outcome}",host="farm-bad"\\} 1`,
      );
    expect(metrics).toMatch(line("firmware_failed"));
    expect(metrics).toMatch(line("succeeded"));
    expect(metrics).toMatch(
      /tinyml_farm_board_status\{target="cortex-m4",board="m4-bad",status="idle",host="farm-bad"\} 1/,
    );
    expect(metrics).toMatch(
      /tinyml_farm_benchmark_run_seconds_count\{host="farm-bad",target="cortex-m4",board="m4-bad",outcome="succeeded"\} 1/,
    );
    await stopAgent(agent);
  });

  it("kill -9 of the agent running a benchmark: the benchmark completes on the other agent", async () => {
    const a = await startAgent("farm-kill-a", [{ id: "m4-a" }]);
    const b = await startAgent("farm-kill-b", [{ id: "m4-b" }]);
    const jobId = `kill-${randomUUID().slice(0, 8)}`;
    const request = await benchmarkRequest(jobId, 1000);
    const expectedSha = tflmOutputsSha256(await kwsInputs(1000));
    const handle = await startBenchmark(request, farmPriorityKey("pro"), 3_000);
    await waitFor(
      "a board busy with the job",
      () => busyJobs(a.host, "m4-a").includes(jobId) || busyJobs(b.host, "m4-b").includes(jobId),
      30_000,
    );
    const [victim, survivor] = busyJobs(a.host, "m4-a").includes(jobId) ? [a, b] : [b, a];
    let emulator: number[] = [];
    await waitForAsync(
      "the emulator running",
      async () => {
        emulator = await childPids(victim.child.pid as number);
        return emulator.length > 0;
      },
      10_000,
    );
    expect(emulator).toHaveLength(1);
    victim.child.kill("SIGKILL");
    // the emulator dies with its agent (it holds the board)
    await waitForAsync(
      "the killed agent's emulator to exit",
      async () => !(await isAlive(emulator[0] as number)),
      5_000,
    );

    const result = (await handle.result()) as FarmRunResult;
    expect(result.host).toBe(survivor.host);
    expect(result.attempt).toBe(2);
    expect(result.perInference).toHaveLength(1000);
    const outputs = controlPlane.blobs.get(`${jobId}/outputs.bin`) as Buffer;
    expect(createHash("sha256").update(outputs).digest("hex")).toBe(await expectedSha);
    await stopAgent(survivor);
  });

  it("firmware that hangs on two boards is the firmware's fault: bad input, not a third board taken down", async () => {
    const tight = await startAgent("farm-hung-twice", [
      { id: "m4-t1", runTimeoutMs: 150 },
      { id: "m4-t2", runTimeoutMs: 150 },
    ]);
    const jobId = `hung-twice-${randomUUID().slice(0, 8)}`;
    const handle = await startBenchmark(await benchmarkRequest(jobId, 200), farmPriorityKey("pro"));
    await waitFor(
      "both boards unhealthy",
      () => ["m4-t1", "m4-t2"].every((id) => boardReports(tight.host, id).at(-1)?.status === "unhealthy"),
      30_000,
    );
    const spare = await startAgent("farm-hung-twice-spare", [{ id: "m4-s" }]);
    const failure = await handle.result().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const cause = (failure as WorkflowFailedError).cause?.cause;
    expect(cause).toMatchObject({ type: "BadInput", nonRetryable: true });
    expect((cause as ApplicationFailure).message).toMatch(
      /the firmware did not finish on 2 boards \(farm-hung-twice\/m4-t\d, farm-hung-twice\/m4-t\d\)/,
    );
    // the spare board never ran it and stays healthy
    expect(spare.log()).not.toMatch(/running 200 inferences/);
    expect(boardReports(spare.host, "m4-s").every((b) => b.status !== "unhealthy")).toBe(true);
    await Promise.all([stopAgent(tight), stopAgent(spare)]);
  });

  it("a board that goes unhealthy takes its slot with it: the agent stops taking more work than its healthy boards", async () => {
    const p = await startAgent("farm-slots", [{ id: "m4-x", runTimeoutMs: 150 }, { id: "m4-y" }]);
    const tag = randomUUID().slice(0, 8);
    const long = await startBenchmark(await benchmarkRequest(`long-${tag}`, 1000), farmPriorityKey("pro"));
    // m4-x (first idle) hangs up on it and turns unhealthy; the retry runs on m4-y
    await waitFor("the retry on m4-y", () => busyJobs(p.host, "m4-y").includes(`long-${tag}`), 30_000);
    expect(boardReports(p.host, "m4-x").at(-1)?.status).toBe("unhealthy");

    const next = await startBenchmark(await benchmarkRequest(`next-${tag}`, 20), farmPriorityKey("pro"));
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
      if (((await next.describe()).raw.pendingActivities ?? []).length > 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 1_000));
    // one healthy board, busy: the agent has no slot to poll with, so the task waits in the queue …
    expect(p.log()).not.toMatch(new RegExp(`job next-${tag}`));
    // … where another agent takes it while the long run goes on
    const q = await startAgent("farm-slots-q", [{ id: "m4-q" }]);
    const nextRun = (await next.result()) as FarmRunResult;
    expect(nextRun).toMatchObject({ host: q.host, boardId: "m4-q", attempt: 1 });
    expect(busyJobs(p.host, "m4-y")).toEqual([`long-${tag}`]);
    const longRun = (await long.result()) as FarmRunResult;
    expect(longRun).toMatchObject({ host: p.host, boardId: "m4-y", attempt: 2 });
    await Promise.all([stopAgent(p), stopAgent(q)]);
  });

  it("a hung board is reported unhealthy, its agent stops polling, the benchmark succeeds on another board", async () => {
    // 200 KWS inferences take over a second in QEMU: a 150 ms limit makes the board hang up every time.
    const tight = await startAgent("farm-hung", [{ id: "m4-tight", runTimeoutMs: 150 }]);
    const jobId = `hung-${randomUUID().slice(0, 8)}`;
    const handle = await startBenchmark(await benchmarkRequest(jobId, 200), farmPriorityKey("free"));

    await waitFor(
      "the board reported unhealthy",
      () => boardReports(tight.host, "m4-tight").some((b) => b.status === "unhealthy"),
      30_000,
    );
    const unhealthy = boardReports(tight.host, "m4-tight").find((b) => b.status === "unhealthy");
    expect(unhealthy?.detail).toMatch(new RegExp(`timed out after 0\\.15 s running job ${jobId}`));
    await waitFor(
      "the agent to stop polling",
      () => /stopped polling farm\.cortex-m4: no healthy cortex-m4 board left/.test(tight.log()),
      10_000,
    );

    const spare = await startAgent("farm-spare", [{ id: "m4-spare" }]);
    const result = (await handle.result()) as FarmRunResult;
    expect(result).toMatchObject({ host: spare.host, boardId: "m4-spare", source: "emulated" });
    expect(result.attempt).toBeGreaterThanOrEqual(2);
    expect(result.perInference).toHaveLength(200);
    // the tight board stays unhealthy in its agent's reports, and its agent never ran the job again
    expect(boardReports(tight.host, "m4-tight").at(-1)?.status).toBe("unhealthy");
    expect(tight.log().match(/running 200 inferences/g)).toHaveLength(1);
    await Promise.all([stopAgent(tight), stopAgent(spare)]);
  });
});
