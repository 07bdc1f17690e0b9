import { Client, Connection, WorkflowNotFoundError } from "@temporalio/client";
import { farmPriorityKey, OPTIMIZE_MODEL_WORKFLOW, TASK_QUEUES, type TierId } from "@tinyml/workflows/contracts";

/**
 * Starts the grid's workflows. The only code of the control plane that uses the Temporal client (the activity
 * worker, activities/activity-worker.ts, polls its own task queue).
 */
export interface Orchestrator {
  /**
   * Starts `optimizeModel(jobId)` on the optimize task queue with the tier's priority (Pro and Enterprise
   * first; activities inherit it down to the farm); rejects with `OrchestratorUnavailableError`.
   */
  startOptimizeModel(
    jobId: string,
    workflowId: string,
    context: { tier: TierId; organizationId: string },
  ): Promise<{ workflowId: string; runId: string }>;
  /**
   * Asks the workflow to cancel (it runs its cleanup, `cleanUpCancelledJob`); `not-running` when Temporal has
   * no running execution of it (never started, or already closed: Temporal would accept a cancel request for
   * a closed one and nothing would run it). Rejects with `OrchestratorUnavailableError`.
   */
  cancelWorkflow(workflowId: string): Promise<"requested" | "not-running">;
  close(): Promise<void>;
}

export class OrchestratorUnavailableError extends Error {
  override readonly name = "OrchestratorUnavailableError";
}

export interface TemporalOrchestratorOptions {
  address: string;
  namespace: string;
  /** How long to wait for the server (connection and the start call) before giving up. */
  timeoutMs: number;
}

/**
 * A Temporal client connected on first use. A failed connection is forgotten, so the next submission tries
 * again: the control plane keeps serving while Temporal is down and recovers when it is back.
 */
export function createTemporalOrchestrator(options: TemporalOrchestratorOptions): Orchestrator {
  let connecting: Promise<{ connection: Connection; client: Client }> | null = null;

  const connect = () => {
    connecting ??= Connection.connect({ address: options.address, connectTimeout: options.timeoutMs })
      .then((connection) => ({ connection, client: new Client({ connection, namespace: options.namespace }) }))
      .catch((e: unknown) => {
        connecting = null;
        throw e;
      });
    return connecting;
  };

  return {
    async startOptimizeModel(jobId, workflowId, context) {
      try {
        const { connection, client } = await connect();
        const handle = await connection.withDeadline(Date.now() + options.timeoutMs, () =>
          client.workflow.start(OPTIMIZE_MODEL_WORKFLOW, {
            taskQueue: TASK_QUEUES.optimize,
            args: [jobId],
            workflowId,
            priority: { priorityKey: farmPriorityKey(context.tier) },
            memo: { organizationId: context.organizationId, tier: context.tier },
          }),
        );
        return { workflowId: handle.workflowId, runId: handle.firstExecutionRunId };
      } catch (e) {
        throw new OrchestratorUnavailableError(
          `the orchestrator (Temporal at ${options.address}) is unreachable: ${e instanceof Error ? e.message : String(e)}`,
        );
      }
    },
    async cancelWorkflow(workflowId) {
      try {
        const { connection, client } = await connect();
        const handle = client.workflow.getHandle(workflowId);
        return await connection.withDeadline(Date.now() + options.timeoutMs, async () => {
          if ((await handle.describe()).status.name !== "RUNNING") return "not-running" as const;
          await handle.cancel();
          return "requested" as const;
        });
      } catch (e) {
        if (e instanceof WorkflowNotFoundError) return "not-running";
        throw new OrchestratorUnavailableError(
          `the orchestrator (Temporal at ${options.address}) is unreachable: ${e instanceof Error ? e.message : String(e)}`,
        );
      }
    },
    async close() {
      const pending = connecting;
      connecting = null;
      if (pending) await pending.then(({ connection }) => connection.close()).catch(() => {});
    },
  };
}
