import { describe, expect, it } from "vitest";
import { createHealthActivities, WorkerHealth } from "./health.js";

describe("createHealthActivities", () => {
  it("reports the queue it answered on, and the host and process it runs in", async () => {
    const activities = createHealthActivities({
      hostname: () => "farm-host-7",
      now: () => new Date("2026-11-25T10:00:00.000Z"),
    });
    const report = await activities.reportWorkerHealth("farm.cortex-m4");
    expect(WorkerHealth.parse(report)).toEqual({
      taskQueue: "farm.cortex-m4",
      hostname: "farm-host-7",
      pid: process.pid,
      nodeVersion: process.version,
      respondedAt: "2026-11-25T10:00:00.000Z",
    });
  });
});
