import { hardwareTargets, qemuMachineArgs } from "@tinyml/workflows/contracts";
import { describe, expect, it } from "vitest";
import { qemuMachines } from "./qemu-machines.js";

describe("QEMU board mapping", () => {
  it("every emulated target's machine exists in the installed QEMU", async () => {
    const emulated = hardwareTargets().filter((t) => t.emulator.kind === "qemu");
    expect(emulated.map((t) => t.id)).toEqual(["cortex-m4", "cortex-m7", "riscv", "stm32", "cortex-a"]);
    for (const target of emulated) {
      const { binary, args } = qemuMachineArgs(target.id);
      const machines = await qemuMachines(binary);
      expect(machines.has(args[1] as string), `${binary} has machine ${args[1]}`).toBe(true);
    }
  });

  it("says why ESP32 cannot be emulated", () => {
    expect(() => qemuMachineArgs("esp32")).toThrow(/no emulator/);
  });
});
