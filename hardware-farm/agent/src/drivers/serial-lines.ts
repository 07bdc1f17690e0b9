import { execFile } from "node:child_process";
import { constants, openSync } from "node:fs";
import { ReadStream } from "node:tty";
import { promisify } from "node:util";
import { BoardUnavailableError } from "@tinyml/emulator";

const exec = promisify(execFile);

/**
 * The lines a board prints on its serial port. The port is configured with `stty` (baud rate, raw, no echo: the
 * harness's JSON must arrive byte for byte) and read as a TTY stream, which Node reads without blocking a thread,
 * so closing it while the board is silent returns at once.
 */
export class SerialLines {
  readonly lines: string[] = [];
  private partial = "";
  private readonly waiters = new Set<() => void>();

  private constructor(
    readonly port: string,
    private readonly stream: ReadStream,
    onLine?: (line: string) => void,
  ) {
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      const parts = (this.partial + chunk).split(/\r?\n/);
      this.partial = parts.pop() ?? "";
      for (const line of parts) {
        this.lines.push(line);
        onLine?.(line);
      }
      for (const wake of this.waiters) wake();
    });
    stream.on("error", () => {
      for (const wake of this.waiters) wake();
    });
  }

  /** Configures and opens the port; a missing `stty` or port is a `BoardUnavailableError`. */
  static async open(port: string, baudRate: number, onLine?: (line: string) => void): Promise<SerialLines> {
    try {
      await exec("stty", ["-F", port, String(baudRate), "raw", "-echo"]);
    } catch (e) {
      const err = e as NodeJS.ErrnoException & { stderr?: string };
      throw new BoardUnavailableError(
        err.code === "ENOENT"
          ? "stty not found on PATH"
          : `cannot configure ${port}: ${err.stderr?.trim() || err.message}`,
      );
    }
    let fd: number;
    try {
      fd = openSync(port, constants.O_RDONLY | constants.O_NOCTTY | constants.O_NONBLOCK);
    } catch (e) {
      throw new BoardUnavailableError(`cannot open ${port}: ${(e as Error).message}`);
    }
    return new SerialLines(port, new ReadStream(fd), onLine);
  }

  /**
   * Resolves with the first line (in arrival order) that `done` accepts, or `null` when `timeoutMs` passes or the
   * signal aborts first.
   */
  waitFor(done: (line: string) => boolean, timeoutMs: number, signal?: AbortSignal): Promise<string | null> {
    return new Promise((resolve) => {
      let seen = 0;
      const finish = (line: string | null) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        signal?.removeEventListener("abort", onAbort);
        resolve(line);
      };
      const check = () => {
        for (; seen < this.lines.length; seen++) {
          const line = this.lines[seen] as string;
          if (done(line)) return finish(line);
        }
      };
      const onAbort = () => finish(null);
      const timer = setTimeout(() => finish(null), timeoutMs);
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiters.add(check);
      check();
    });
  }

  close(): void {
    this.stream.destroy();
  }
}
