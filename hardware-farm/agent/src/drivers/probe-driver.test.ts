import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { BoardUnavailableError } from "@tinyml/emulator";
import { afterEach, describe, expect, it } from "vitest";
import { ProbeConnection } from "../agent-config.js";
import { ProbeBoardDriver } from "./probe-driver.js";
import { SerialLines } from "./serial-lines.js";

const openocd = ProbeConnection.parse({
  driver: "probe",
  flasher: "openocd",
  probe: "0669FF555052836687031520",
  toolTarget: "target/stm32f4x.cfg",
  interface: "interface/stlink.cfg",
  serialPort: "/dev/ttyACM0",
});
const pyocd = ProbeConnection.parse({
  driver: "probe",
  flasher: "pyocd",
  probe: "0240000032044e45",
  toolTarget: "stm32f405rg",
  serialPort: "/dev/ttyACM1",
  baudRate: 921600,
});

describe("ProbeBoardDriver command lines", () => {
  it("OpenOCD: program and verify, then a run with semihosting enabled", () => {
    const { flash, run } = new ProbeBoardDriver(openocd).commandsFor("/jobs/fw.elf", 60_000);
    expect(flash).toEqual([
      "openocd",
      "-f",
      "interface/stlink.cfg",
      "-c",
      "adapter serial 0669FF555052836687031520",
      "-f",
      "target/stm32f4x.cfg",
      "-c",
      "program /jobs/fw.elf verify exit",
    ]);
    expect(run.slice(0, 7)).toEqual(flash.slice(0, 7));
    expect(run.slice(7)).toEqual(["-c", "init", "-c", "reset halt", "-c", "arm semihosting enable", "-c", "reset run"]);
  });

  it("pyOCD: load by probe uid, then run with the run's time limit", () => {
    const { flash, run } = new ProbeBoardDriver(pyocd).commandsFor("/jobs/fw.elf", 90_500);
    expect(flash.join(" ")).toBe("pyocd load --target stm32f405rg --uid 0240000032044e45 --format elf /jobs/fw.elf");
    expect(run.join(" ")).toBe("pyocd run --target stm32f405rg --uid 0240000032044e45 --timelimit 91 /jobs/fw.elf");
  });

  it("describes the board by chip, tool, probe and port", () => {
    expect(new ProbeBoardDriver(pyocd).describe()).toBe(
      "stm32f405rg via pyocd probe 0240000032044e45, serial /dev/ttyACM1",
    );
  });
});

describe("ProbeBoardDriver without its tool", () => {
  const withPath = async <T>(path: string, body: () => Promise<T>): Promise<T> => {
    const saved = process.env.PATH;
    process.env.PATH = path;
    try {
      return await body();
    } finally {
      process.env.PATH = saved;
    }
  };

  it("a run fails as board unavailable: pyocd not found on PATH", async () => {
    const attempt = withPath("/nonexistent", () =>
      new ProbeBoardDriver(pyocd).run({
        firmwareElf: "/fw.elf",
        inputs: new Uint8Array(4),
        inferences: 1,
        outputBytes: 4,
        timeoutMs: 1_000,
      }),
    );
    await expect(attempt).rejects.toBeInstanceOf(BoardUnavailableError);
    await expect(attempt).rejects.toThrow("pyocd not found on PATH");
  });

  it("the health check says which tool is missing", async () => {
    const health = await withPath("/nonexistent", () => new ProbeBoardDriver(openocd).check());
    expect(health).toEqual({ ok: false, detail: "openocd not found on PATH" });
  });
});

/**
 * A real pseudo-terminal standing in for the board's USB serial port: Python's pty module opens it, prints the
 * port's name, then writes what it reads on its stdin to the terminal's master side (as a board's UART would).
 */
const PTY_SCRIPT = `
import os, pty, sys
master, slave = pty.openpty()
print(os.ttyname(slave), flush=True)
for line in sys.stdin:
    os.write(master, line.replace("\\n", "\\r\\n").encode())
`;

describe("SerialLines on a real pseudo-terminal", () => {
  let board: ChildProcess | null = null;
  afterEach(() => {
    board?.kill("SIGKILL");
    board = null;
  });

  const openPty = async (): Promise<{ port: string; write: (text: string) => void }> => {
    const child = spawn("python3", ["-c", PTY_SCRIPT], { stdio: ["pipe", "pipe", "inherit"] });
    board = child;
    const firstLine = await new Promise<string>((resolve) =>
      createInterface({ input: child.stdout as NodeJS.ReadableStream }).once("line", resolve),
    );
    return { port: firstLine.trim(), write: (text) => child.stdin?.write(text) };
  };

  it("configures the port with stty and reads the harness's lines (CRLF) up to its summary", async () => {
    const { port, write } = await openPty();
    const progress: string[] = [];
    const serial = await SerialLines.open(port, 115200, (line) => progress.push(line));
    try {
      const final = serial.waitFor((l) => l.startsWith('{"done":'), 5_000);
      write('boot: mps2 ready\n{"i":0,"cycles":5012345}\n{"i":1,"cycles":5012340}\n');
      write('{"done":true,"inferences":2,"init_instructions":0,"peak_stack_bytes":1,"stack_bytes":2,"arena_bytes":3,');
      write('"counter":"dwt_cyccnt","counter_step":1}\n');
      expect(await final).toMatch(/^\{"done":true,"inferences":2,.*"counter":"dwt_cyccnt"/);
      expect(serial.lines.slice(0, 3)).toEqual([
        "boot: mps2 ready",
        '{"i":0,"cycles":5012345}',
        '{"i":1,"cycles":5012340}',
      ]);
      expect(progress).toHaveLength(4);
    } finally {
      serial.close();
    }
  });

  it("waitFor gives up at its timeout when the board is silent, and closing returns at once", async () => {
    const { port } = await openPty();
    const serial = await SerialLines.open(port, 9600);
    const started = Date.now();
    expect(await serial.waitFor(() => true, 300)).toBeNull();
    expect(Date.now() - started).toBeLessThan(1_500);
    serial.close();
  });

  it("a port that does not exist is a board unavailable error", async () => {
    await expect(SerialLines.open("/dev/ttyNOPE9", 115200)).rejects.toThrow(/cannot configure \/dev\/ttyNOPE9/);
  });
});
