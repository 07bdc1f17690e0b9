import { describe, expect, it } from "vitest";
import { boardDriverConformance } from "../testing/driver-conformance.js";
import { QemuBoardDriver } from "./qemu-driver.js";

boardDriverConformance(
  "QemuBoardDriver (cortex-m4 on mps2-an386)",
  () => new QemuBoardDriver("cortex-m4"),
  "mps2-an386",
);

describe("QemuBoardDriver", () => {
  it("runs the target's machine with exact instruction counting and semihosting", () => {
    const command = new QemuBoardDriver("riscv").commandFor("/fw.elf");
    expect(command.join(" ")).toBe(
      "qemu-system-riscv32 -machine virt -bios none -nographic -monitor none -serial none -icount shift=0 -semihosting-config enable=on,target=native -kernel /fw.elf",
    );
  });

  it("refuses a target without an emulator", () => {
    expect(() => new QemuBoardDriver("esp32")).toThrow(/no emulator/);
  });
});
