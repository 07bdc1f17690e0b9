import { describe, expect, it } from "vitest";
import { parseAgentConfig } from "./agent-config.js";

describe("parseAgentConfig", () => {
  it("accepts emulated and physical boards", () => {
    const config = parseAgentConfig({
      host: "farm-1",
      boards: [
        { id: "m4-qemu-1", target: "cortex-m4", connection: { driver: "qemu" } },
        {
          id: "esp32-devkit-1",
          target: "esp32",
          connection: {
            driver: "probe",
            flasher: "openocd",
            probe: "ftdi:0",
            toolTarget: "target/esp32.cfg",
            serialPort: "/dev/ttyUSB0",
          },
        },
      ],
    });
    expect(config.boards.map((b) => b.id)).toEqual(["m4-qemu-1", "esp32-devkit-1"]);
    const probe = config.boards[1]?.connection;
    expect(probe?.driver === "probe" && probe.baudRate).toBe(115200);
  });

  it("lists every bad board: unknown target, emulated ESP32", () => {
    const attempt = () =>
      parseAgentConfig({
        host: "farm-1",
        boards: [
          { id: "a", target: "avr", connection: { driver: "qemu" } },
          { id: "b", target: "esp32", connection: { driver: "qemu" } },
          { id: "c", target: "riscv", connection: { driver: "qemu" } },
        ],
      });
    expect(attempt).toThrow(/boards\.0\.target/);
    expect(attempt).toThrow(/boards\.1\.connection\.driver: target "esp32" has no emulator/);
  });

  it("refuses two boards with one id", () => {
    const board = { id: "m4", target: "cortex-m4", connection: { driver: "qemu" } };
    expect(() => parseAgentConfig({ host: "farm-1", boards: [board, board] })).toThrow(
      /boards\.1\.id: duplicate board id "m4"/,
    );
  });

  it("refuses an agent without boards", () => {
    expect(() => parseAgentConfig({ host: "farm-1", boards: [] })).toThrow(/at least one board/);
  });
});
