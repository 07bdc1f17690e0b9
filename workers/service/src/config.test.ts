import { describe, expect, it } from "vitest";
import { loadWorkerConfig } from "./config.js";

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
});
