import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { Client, Connection } from "@temporalio/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../services/launch.js";
import { type GridProcess, startWorker } from "../services/processes.js";
import { freshPostgresDatabase } from "../services/stack-settings.js";
import {
  env,
  S3_CONFIG,
  type Served,
  serveControlPlane,
  signup,
  submitJob,
  trpcOf,
} from "./support/control-plane-grid.js";
import { activityAttempts } from "./support/workflow-history.js";

/**
 * Hostile models against the running grid (issue 11, item 5): the control plane on PostgreSQL and S3, an optimize
 * worker process, the real Temporal server in a namespace of their own. An absurd model must fail its job at once,
 * non-retryably, with the engine's message: no quantization started, no retries burnt.
 */

const run = promisify(execFile);
let namespace: string;
let served: Served;
let worker: GridProcess;
let connection: Connection;
let temporal: Client;

beforeAll(async () => {
  namespace = `abuse-${randomUUID().slice(0, 8)}`;
  await run(join(REPO_ROOT, ".venv/bin/temporal"), [
    "operator",
    "namespace",
    "create",
    "--address",
    env.TEMPORAL_ADDRESS as string,
    "--namespace",
    namespace,
  ]);
  served = await serveControlPlane({
    ...S3_CONFIG,
    DATABASE_URL: await freshPostgresDatabase(env, "abuse"),
    TEMPORAL_NAMESPACE: namespace,
    // the workflow's own queue for the control plane's activities: the namespace keeps other files' apart
    CONTROL_PLANE_TASK_QUEUE: "control-plane",
    CONTROL_PLANE_WORKER: "true",
  });
  const workerEnv = {
    TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS as string,
    TEMPORAL_NAMESPACE: namespace,
    METRICS_PORT: "0",
    TEMPORAL_METRICS_PORT: "0",
  };
  worker = startWorker("abuse-worker", workerEnv, served.dir);
  await worker.waitFor(/worker .*(running|started|polling)/i);
  connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS as string });
  temporal = new Client({ connection, namespace });
}, 240_000);

afterAll(async () => {
  await worker?.stop();
  await connection?.close();
  await served?.close();
}, 120_000);

/** A Conv padded by `pad` on every side, written by the onnx package itself, and a dataset for it. */
async function paddedConv(pad: number): Promise<{ model: Buffer; dataset: Buffer }> {
  const [model, dataset] = [join(served.dir, `padded-${pad}.onnx`), join(served.dir, `padded-${pad}.npz`)];
  await run(join(REPO_ROOT, ".venv/bin/python"), [
    "-c",
    `import sys, numpy as np, onnx
from onnx import helper, numpy_helper, TensorProto as T
w = numpy_helper.from_array(np.full((4, 1, 3, 3), 0.1, np.float32), "w")
conv = helper.make_node("Conv", ["x", "w"], ["y"], name="conv", pads=[int(sys.argv[3])] * 4, kernel_shape=[3, 3])
x = helper.make_tensor_value_info("x", T.FLOAT, [1, 1, 8, 8])
y = helper.make_tensor_value_info("y", T.FLOAT, None)
m = helper.make_model(helper.make_graph([conv], "padded", [x], [y], [w]), opset_imports=[helper.make_opsetid("", 13)])
m.ir_version = 8
onnx.save(m, sys.argv[1])
np.savez(sys.argv[2], x=np.random.default_rng(0).random((4, 1, 8, 8), np.float32), y=np.arange(4))`,
    model,
    dataset,
    String(pad),
  ]);
  return { model: await readFile(model), dataset: await readFile(dataset) };
}

describe("hostile models on the running grid", () => {
  // Before the engine's bounds: 2^31 was analyzed as 6.6e20 MACs, then quantizeModel was retried on ONNX Runtime's
  // raw safeint.h overflow; 65535 held a worker for minutes at 1.35 GB.
  it.each([
    2 ** 31,
    65535,
  ])("an ONNX Conv padded by %i fails the job at once with the engine's OVER_LIMITS message; no retries", async (pad) => {
    const { model, dataset } = await paddedConv(pad);
    const owner = await signup(served.cp, "Owner");
    const started = Date.now();
    const job = await submitJob(served.cp, owner.token, {
      model: [model, "padded.onnx", "onnx"],
      dataset: [dataset, "padded.npz"],
    });
    const trpc = trpcOf(served.cp, owner.caller);
    let view = await trpc.jobs.get({ id: job.id });
    while (!["completed", "failed", "cancelled"].includes(view.status) && Date.now() - started < 60_000) {
      await new Promise((r) => setTimeout(r, 200));
      view = await trpc.jobs.get({ id: job.id });
    }
    expect(view.status).toBe("failed");
    expect(view.error).toMatch(
      new RegExp(`Conv2D "conv" has a padding of ${pad.toLocaleString("en")}, over the engine's limit of 16,384`),
    );
    expect(Date.now() - started).toBeLessThan(30_000);
    const attempts = await activityAttempts(temporal, job.id);
    expect(attempts.analyzeModel).toBe(1);
    expect(attempts.quantizeModel).toBeUndefined();
  }, 120_000);
});
