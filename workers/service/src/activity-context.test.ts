import { ApplicationFailure } from "@temporalio/activity";
import { EngineError } from "@tinyml/engine";
import { FAILURE_TYPES } from "@tinyml/workflows/contracts";
import { describe, expect, it } from "vitest";
import { toActivityFailure } from "./activity-context.js";

/** Which engine failures the workflow retries: the user's bad input never, the engine's own failures yes. */
describe("toActivityFailure", () => {
  it("makes an engine error about the input a non-retryable BadInput with the engine's message and code", () => {
    const failure = toActivityFailure(new EngineError("INVALID_DATASET", "x has shape [3]; expected [N, 49, 10, 1]"));
    expect(failure).toBeInstanceOf(ApplicationFailure);
    const f = failure as ApplicationFailure;
    expect(f.type).toBe(FAILURE_TYPES.badInput);
    expect(f.nonRetryable).toBe(true);
    expect(f.message).toBe("x has shape [3]; expected [N, 49, 10, 1]");
    expect(f.details).toEqual([{ code: "INVALID_DATASET" }]);
  });

  it("leaves the engine's INTERNAL error (its generated C did not link) retryable, not the user's fault", () => {
    const internal = new EngineError("INTERNAL", "building the firmware failed for mps2-an386: undefined reference");
    const failure = toActivityFailure(internal);
    expect(failure).toBe(internal);
    expect(failure).not.toBeInstanceOf(ApplicationFailure);
  });
});
