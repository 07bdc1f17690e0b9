import { ApplicationFailure, Context } from "@temporalio/activity";
import { isEngineError } from "@tinyml/engine";
import { BlobTransferError, FAILURE_TYPES } from "@tinyml/workflows/contracts";

/**
 * How the engine activities behave inside Temporal: they heartbeat while they work (so that a heartbeat timeout of
 * tens of seconds notices a killed worker), they stop when the activity is cancelled, and a bad model, dataset or
 * request fails once, non-retryably, with the engine's own message.
 */

/** Heartbeats at least this often while an activity awaits long work (the workflow's heartbeat timeout is 20 s, `HEARTBEAT_TIMEOUT`). */
export const HEARTBEAT_INTERVAL_MS = 5_000;

/** A failure the workflow must not retry: the input is wrong, and the message says what to do. */
export function badInput(message: string, details: Record<string, unknown> = {}): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, FAILURE_TYPES.badInput, details);
}

/**
 * An engine error is about the user's input (model, dataset, spec, a model too big for the target): BadInput. So is
 * a blob the store refuses for good (a 4xx: an expired URL, a blob that is gone): asking again cannot help. A
 * transient transfer failure stays retryable, and so does the engine's INTERNAL error (its own generated code did
 * not build): the user's input is not at fault, and another worker's toolchain may succeed.
 */
export function toActivityFailure(e: unknown): unknown {
  if (isEngineError(e) && e.code !== "INTERNAL") return badInput(e.message, { code: e.code, ...e.details });
  if (e instanceof BlobTransferError && e.permanent) return badInput(e.message, { key: e.key, status: e.status });
  return e;
}

export interface ActivityWork {
  /** Aborted when the activity is cancelled: pass it to child processes and fetches. */
  signal: AbortSignal;
  /** Records progress as heartbeat details; throws the cancellation when the activity was cancelled. */
  progress(message: string): void;
}

/**
 * Runs `work` with a heartbeat every `intervalMs` and at each progress message, failing with the activity's
 * cancellation as soon as it is cancelled (the work's child processes are killed through `signal`).
 */
export async function withHeartbeats<T>(
  work: (activity: ActivityWork) => Promise<T>,
  intervalMs = HEARTBEAT_INTERVAL_MS,
): Promise<T> {
  const context = Context.current();
  const signal = context.cancellationSignal;
  let details: { message: string; at: string } = { message: "started", at: new Date().toISOString() };
  const beat = () => context.heartbeat(details);
  beat();
  const timer = setInterval(beat, intervalMs);
  const progress = (message: string) => {
    if (signal.aborted) throw signal.reason;
    details = { message, at: new Date().toISOString() };
    beat();
  };
  try {
    return await Promise.race([work({ signal, progress }), context.cancelled]);
  } catch (e) {
    throw toActivityFailure(e);
  } finally {
    clearInterval(timer);
  }
}

/** Runs short work, turning engine errors and refused blobs into BadInput failures. */
export async function failingAsBadInput<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    throw toActivityFailure(e);
  }
}
