import { describe, expect, it } from "vitest";
import {
  farmPriorityKey,
  farmTaskQueue,
  findHardwareTarget,
  HARDWARE_TARGETS,
  HardwareTarget,
  hardwareTargets,
  modelFrameworks,
  TIERS,
  Tier,
  tiers,
} from "./index.js";

describe("hardware target catalog", () => {
  it("holds the six targets of the original specification with their published figures", () => {
    const figures = hardwareTargets().map((t) => [t.id, t.clockMhz, t.ramBytes / 1024, t.flashBytes / 1024]);
    expect(figures).toEqual([
      ["cortex-m4", 84, 256, 1024],
      ["cortex-m7", 216, 512, 2048],
      ["riscv", 100, 128, 512],
      ["esp32", 240, 520, 4096],
      ["stm32", 168, 384, 1536],
      ["cortex-a", 1000, 1024, 8192],
    ]);
  });

  it("maps each target to its emulated board, and ESP32 to none", () => {
    const machines = Object.fromEntries(
      hardwareTargets().map((t) => [t.id, t.emulator.kind === "qemu" ? t.emulator.machine : null]),
    );
    expect(machines).toEqual({
      "cortex-m4": "mps2-an386",
      "cortex-m7": "mps2-an500",
      riscv: "virt",
      esp32: null,
      stm32: "netduinoplus2",
      "cortex-a": "virt",
    });
  });

  it("every entry satisfies its own schema", () => {
    for (const t of Object.values(HARDWARE_TARGETS)) expect(HardwareTarget.parse(t)).toEqual(t);
  });

  it("finds known ids and refuses unknown ones", () => {
    expect(findHardwareTarget("stm32")?.name).toBe("STM32");
    expect(findHardwareTarget("avr")).toBeUndefined();
    expect(findHardwareTarget("toString")).toBeUndefined();
    expect(farmTaskQueue("riscv")).toBe("farm.riscv");
  });
});

describe("tiers", () => {
  it("carries the limits of the original specification", () => {
    expect(tiers().map((t) => [t.id, t.monthlyOptimizations, t.maxModelBytes, t.nas, t.farmPriority])).toEqual([
      ["free", 5, 10_000_000, false, false],
      ["basic", 50, 100_000_000, false, false],
      ["pro", 200, 500_000_000, true, true],
      ["enterprise", null, null, true, true],
    ]);
    expect(TIERS.enterprise.farmReservations).toBe(true);
    expect(TIERS.enterprise.operatorOnly).toBe(true);
    for (const t of tiers()) expect(Tier.parse(t)).toEqual(t);
  });

  it("serves Pro and Enterprise before Free and Basic on the farm", () => {
    expect(farmPriorityKey("pro")).toBeLessThan(farmPriorityKey("free"));
    expect(farmPriorityKey("enterprise")).toBeLessThan(farmPriorityKey("basic"));
    expect(farmPriorityKey("free")).toBe(farmPriorityKey("basic"));
  });
});

describe("model frameworks", () => {
  it("lists TensorFlow/Keras, PyTorch, ONNX and TensorFlow Lite", () => {
    expect(modelFrameworks().map((f) => f.id)).toEqual(["tensorflow", "pytorch", "onnx", "tflite"]);
  });
});
