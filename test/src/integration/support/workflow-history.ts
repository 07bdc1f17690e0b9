import type { Client } from "@temporalio/client";
import { optimizeModelWorkflowId } from "@tinyml/workflows/contracts";

/**
 * Activity events of a job's optimizeModel workflow, read from its history on the Temporal server: how many times
 * each activity type was started (its highest attempt number).
 */
export async function activityAttempts(temporal: Client, jobId: string): Promise<Record<string, number>> {
  const history = await temporal.workflow.getHandle(optimizeModelWorkflowId(jobId)).fetchHistory();
  const scheduled = new Map<string, string>();
  const counts: Record<string, number> = {};
  for (const event of history.events ?? []) {
    const s = event.activityTaskScheduledEventAttributes;
    if (s) scheduled.set(String(event.eventId), s.activityType?.name ?? "?");
    const started = event.activityTaskStartedEventAttributes;
    if (started) {
      const name = scheduled.get(String(started.scheduledEventId)) ?? "?";
      counts[name] = Math.max(counts[name] ?? 0, started.attempt ?? 1);
    }
  }
  return counts;
}
