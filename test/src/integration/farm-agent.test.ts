import { createHash, randomUUID } from "node:crypto";
import { ApplicationFailure, WorkflowFailedError } from "@temporalio/client";
import { type FarmRunResult, farmPriorityKey } from "@tinyml/workflows/contracts";
import { describe, expect, it } from "vitest";
import {
  benchmarkRequest,
  boardReports,
  busyJobs,
  childPids,
  farm,
  isAlive,
  KWS_OUTPUT_BYTES,
  kwsInputs,
  startAgent,
  startBenchmark,
  stopAgent,
  tflmOutputsSha256,
  useFarm,
  WORKFLOW_QUEUE,
  waitFor,
  waitForAsync,
} from "./support/farm-agent.js";

/**
 * The hardware-farm agent on the real stack: agents run as processes of the `tinyml-farm-agent` bin with QEMU
 * boards, against the Temporal dev server of the global setup; benchmarks are scheduled by a small test workflow
 * (hardware-farm/agent/src/testing/workflows.ts) the way optimizeModel schedules them. A real HTTP server in the
 * test plays the control plane's part: it serves the blobs by URL (GET, PUT) and takes the agents' board reports.
 */

useFarm();

describe("hardware-farm agent (real Temporal, QEMU boards, agents as processes)", () => {
  it("a busy board serves a Pro benchmark before a Free one queued earlier", async () => {
    const host = "farm-prio";
    const agent = await startAgent(host, [{ id: "m4-prio" }]);
    const tag = randomUUID().slice(0, 8);
    const occupy = await startBenchmark(await benchmarkRequest(`occupy-${tag}`, 400), farmPriorityKey("free"));
    await waitFor("the board busy", () => busyJobs(host, "m4-prio").includes(`occupy-${tag}`), 30_000);

    const free = await startBenchmark(await benchmarkRequest(`free-${tag}`, 20), farmPriorityKey("free"));
    // the grid health check takes a board slot like any task (default priority 3: queued behind the Free one)
    const health = farm.client.workflow.execute("gridHealthCheck", {
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
    expect(farm.controlPlane.blobs.get(`pro-${tag}/outputs.bin`)?.length).toBe(20 * KWS_OUTPUT_BYTES);
    expect(farm.controlPlane.refusedReports).toBe(0);
    await stopAgent(agent);
  });

  it("firmware that fails on the board fails the benchmark once, as bad input; the board stays healthy; metrics count it", async () => {
    const agent = await startAgent("farm-bad", [{ id: "m4-bad" }], { METRICS_PORT: "0" });
    const jobId = `bad-${randomUUID().slice(0, 8)}`;
    const request = await benchmarkRequest(jobId, 3);
    // 3 inputs of 300 bytes: not a whole number of the model's 490-byte inputs, the harness refuses input.bin
    farm.controlPlane.blobs.set(`${jobId}/inputs.bin`, Buffer.alloc(900));
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
    // the listener is on loopback only (METRICS_HOST's default), as the worker's
    const url = agent.log().match(/metrics on (http:\/\/127\.0\.0\.1:\d+\/metrics)/)?.[1] as string;
    const metrics = await (await fetch(url)).text();
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
    const outputs = farm.controlPlane.blobs.get(`${jobId}/outputs.bin`) as Buffer;
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
