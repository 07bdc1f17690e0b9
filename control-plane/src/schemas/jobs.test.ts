import { JobSpec } from "@tinyml/workflows/contracts";
import { describe, expect, it } from "vitest";
import { jobSpecFromForm } from "./jobs.js";

describe("the optimize form's fields as a job spec", () => {
  it("takes target_size_kb in KB of 1000 bytes and hands the spec bytes", () => {
    const spec = JobSpec.parse(
      jobSpecFromForm({ hardware_target: "cortex-m4", model_framework: "tflite", target_size_kb: "40" }),
    );
    expect(spec.targetSizeBytes).toBe(40_000);
    expect(
      JobSpec.parse(jobSpecFromForm({ hardware_target: "riscv", model_framework: "onnx", target_size_kb: "1.5" })),
    ).toMatchObject({ targetSizeBytes: 1_500 });
    expect(JobSpec.parse({ hardwareTarget: "riscv", modelFramework: "onnx" }).targetSizeBytes).toBe(100_000);
  });

  it("leaves a size that is not a number for the schema to refuse", () => {
    const parsed = JobSpec.safeParse(
      jobSpecFromForm({ hardware_target: "riscv", model_framework: "onnx", target_size_kb: "lots" }),
    );
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(["targetSizeBytes"]);
  });
});
