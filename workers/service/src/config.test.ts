import { availableParallelism, homedir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { activityBudget, loadWorkerConfig } from "./config.js";

describe("loadWorkerConfig", () => {
  it("defaults to a local Temporal server and takes the environment's address", () => {
    expect(loadWorkerConfig({}).TEMPORAL_ADDRESS).toBe("127.0.0.1:7233");
    expect(loadWorkerConfig({ TEMPORAL_ADDRESS: "10.0.0.5:7233" }).TEMPORAL_ADDRESS).toBe("10.0.0.5:7233");
  });
  it("names the bad variable", () => {
    expect(() => loadWorkerConfig({ TEMPORAL_ADDRESS: "" })).toThrow(/TEMPORAL_ADDRESS/);
    expect(() => loadWorkerConfig({ METRICS_PORT: "70000" })).toThrow(/METRICS_PORT/);
  });
  it("polls the optimize queue and serves metrics on 9464 (Temporal's on 9465) unless told otherwise", () => {
    const defaults = loadWorkerConfig({});
    expect(defaults).toMatchObject({ TASK_QUEUE: "optimize", METRICS_PORT: 9464, TEMPORAL_METRICS_PORT: 9465 });
    expect(loadWorkerConfig({ METRICS_PORT: "9100", TASK_QUEUE: "optimize-dev" })).toMatchObject({
      METRICS_PORT: 9100,
      TASK_QUEUE: "optimize-dev",
    });
  });

  it("works under ~/.cache/tinyml-worker (or $XDG_CACHE_HOME), never the system's temporary folder", () => {
    expect(loadWorkerConfig({ HOME: "/home/w" }).WORK_DIR).toBe("/home/w/.cache/tinyml-worker");
    expect(loadWorkerConfig({ XDG_CACHE_HOME: "/var/cache/w" }).WORK_DIR).toBe("/var/cache/w/tinyml-worker");
    expect(loadWorkerConfig({}).WORK_DIR).toBe(join(homedir(), ".cache", "tinyml-worker"));
    expect(loadWorkerConfig({ WORK_DIR: "/srv/work" }).WORK_DIR).toBe("/srv/work");
  });
  it("runs half as many heavy activities at once as there are cores, and shares its memory among them", () => {
    const defaults = loadWorkerConfig({});
    expect(defaults.MAX_CONCURRENT_HEAVY_ACTIVITIES).toBe(Math.max(1, Math.floor(availableParallelism() / 2)));
    const config = loadWorkerConfig({ MAX_CONCURRENT_HEAVY_ACTIVITIES: "4", WORKER_MEMORY_MB: "8192" });
    expect(activityBudget(config)).toEqual({ memoryMb: 2048, maxDatasetBytes: 512 * 1024 * 1024 });
    expect(() => loadWorkerConfig({ MAX_CONCURRENT_HEAVY_ACTIVITIES: "0" })).toThrow(/MAX_CONCURRENT_HEAVY_ACTIVITIES/);
    expect(() => loadWorkerConfig({ WORKER_MEMORY_MB: "100" })).toThrow(/WORKER_MEMORY_MB/);
  });
});
