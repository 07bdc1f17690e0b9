import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Client, Connection } from "@temporalio/client";
import { DefaultLogger, NativeConnection, Runtime, Worker } from "@temporalio/worker";
import type { FarmRunRequest } from "@tinyml/workflows/contracts";
import { afterAll, beforeAll, inject } from "vitest";
import { type ControlPlaneStandIn, startControlPlaneStandIn } from "./farm-stand-in.js";

/**
 * The hardware-farm agent tests' stack: agents run as processes of the `tinyml-farm-agent` bin with QEMU boards,
 * against the Temporal dev server of the global setup, in a namespace of their own; benchmarks are scheduled by a
 * small test workflow (hardware-farm/agent/src/testing/workflows.ts) the way optimizeModel schedules them, and a
 * real HTTP server stands in for the control plane. `useFarm()` sets it up for the calling test file.
 */

const exec = promisify(execFile);
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");
const AGENT_BIN = join(REPO_ROOT, "hardware-farm/agent/bin/tinyml-farm-agent.js");
const TEST_WORKFLOWS = join(REPO_ROOT, "hardware-farm/agent/src/testing/workflows.ts");
const FIXTURES = process.env.TINYML_FIXTURES ?? join(REPO_ROOT, "..", "shared", "fixtures");
const KWS_MODEL = join(FIXTURES, "mlperf-tiny/kws/kws_ref_model.tflite");
const KWS_INPUTS = join(FIXTURES, "mlperf-tiny/kws/eembc-inputs");
const WORK = join(REPO_ROOT, ".tmp", "farm-agent-it");
const FARM_TOKEN = "farm-test-token";
export const WORKFLOW_QUEUE = `farm-agent-test-${randomUUID()}`;
export const KWS_OUTPUT_BYTES = 12;

const { TEMPORAL_ADDRESS } = inject("stackEnv");
const namespace = `farm-agent-${randomUUID().slice(0, 8)}`;

let clientConnection: Connection;
let workerConnection: NativeConnection;
let workflowWorker: Worker;
let workflowWorkerRun: Promise<void>;
let firmware: Buffer;
let scratch: string;
const agents: AgentProcess[] = [];

/** The Temporal client and the control plane's stand-in, once `useFarm`'s `beforeAll` has run. */
export const farm = {} as { client: Client; controlPlane: ControlPlaneStandIn };

// ── agents as processes of the bin ──────────────────────────────────────────────────────────────────────────

interface AgentProcess {
  host: string;
  child: ChildProcess;
  log: () => string;
}

export async function startAgent(
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
      CONTROL_PLANE_URL: farm.controlPlane.url,
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

export async function stopAgent(agent: AgentProcess): Promise<void> {
  if (agent.child.exitCode !== null || agent.child.signalCode !== null) return;
  const exited = new Promise((done) => agent.child.once("exit", done));
  agent.child.kill("SIGTERM");
  await exited;
}

// ── helpers ─────────────────────────────────────────────────────────────────────────────────────────────────

export async function waitFor(what: string, condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function waitForAsync(what: string, condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function childPids(pid: number): Promise<number[]> {
  const { stdout } = await exec("ps", ["-o", "pid=", "--ppid", String(pid)]).catch(() => ({ stdout: "" }));
  return stdout
    .split("\n")
    .filter((l) => l.trim())
    .map(Number);
}

export const isAlive = async (pid: number): Promise<boolean> => {
  const { stdout } = await exec("ps", ["-o", "stat=", "-p", String(pid)]).catch(() => ({ stdout: "" }));
  return stdout.trim() !== "" && !stdout.trim().startsWith("Z");
};

export async function kwsInputs(count: number): Promise<Buffer> {
  const names = (await readdir(KWS_INPUTS)).filter((n) => n.endsWith(".bin")).sort();
  return Buffer.concat(await Promise.all(names.slice(0, count).map((n) => readFile(join(KWS_INPUTS, n)))));
}

/** TensorFlow Lite Micro's outputs for the same inputs (the project's oracle), as a sha256 of all output bytes. */
export async function tflmOutputsSha256(inputs: Buffer): Promise<string> {
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
export async function benchmarkRequest(jobId: string, count: number): Promise<FarmRunRequest> {
  farm.controlPlane.blobs.set(`${jobId}/firmware.elf`, firmware);
  farm.controlPlane.blobs.set(`${jobId}/inputs.bin`, await kwsInputs(count));
  const blob = (name: string) => ({
    key: `jobs/${jobId}/artifacts/${name}`,
    url: `${farm.controlPlane.url}/blobs/${jobId}/${name}`,
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

export function startBenchmark(request: FarmRunRequest, priorityKey: number, heartbeatTimeoutMs = 10_000) {
  return farm.client.workflow.start("farmBenchmark", {
    taskQueue: WORKFLOW_QUEUE,
    workflowId: `farm-benchmark-${request.jobId}`,
    args: [request, { heartbeatTimeoutMs, startToCloseTimeoutMs: 120_000, maximumAttempts: 4 }],
    priority: { priorityKey },
  });
}

/** Each board's status over time, as reported: the report that last set it. */
export const boardReports = (host: string, boardId: string) =>
  farm.controlPlane.reports
    .filter((r) => r.report.host === host)
    .flatMap((r) => r.report.boards.filter((b) => b.id === boardId));

/** The jobs a board was seen busy with, in order. */
export function busyJobs(host: string, boardId: string): string[] {
  const jobs: string[] = [];
  for (const board of boardReports(host, boardId)) {
    if (board.status === "busy" && board.currentJobId && jobs.at(-1) !== board.currentJobId)
      jobs.push(board.currentJobId);
  }
  return jobs;
}

// ── set-up: a namespace of its own, the KWS firmware, the workflow worker, the stand-in ─────────────────────

/** Sets the farm up for the calling test file (its `beforeAll`) and tears it down after. */
export function useFarm() {
  beforeAll(async () => {
    Runtime.install({ logger: new DefaultLogger("WARN") });
    scratch = await mkdtemp(join(tmpdir(), "farm-agent-it-"));
    await mkdir(WORK, { recursive: true });
    // The KWS model's C from the engine's CLI, built into mps2-an386 firmware, as a job's compile step does.
    await exec("pnpm", ["--filter", "@tinyml/engine", "exec", "tinyml-engine", "codegen", KWS_MODEL, "--out", WORK], {
      cwd: REPO_ROOT,
    });
    await exec(
      join(REPO_ROOT, "hardware-farm/firmware/build.sh"),
      ["mps2-an386", join(WORK, "c"), join(WORK, "build")],
      {
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    firmware = await readFile(join(WORK, "build/fw.elf"));

    clientConnection = await Connection.connect({ address: TEMPORAL_ADDRESS });
    farm.client = new Client({ connection: clientConnection, namespace });
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
    farm.controlPlane = await startControlPlaneStandIn(FARM_TOKEN);
  }, 180_000);

  afterAll(async () => {
    await Promise.all(agents.map(stopAgent));
    workflowWorker?.shutdown();
    await workflowWorkerRun;
    await workerConnection?.close();
    await clientConnection?.close();
    farm.controlPlane?.server.close();
    await rm(scratch, { recursive: true, force: true });
  });
}
