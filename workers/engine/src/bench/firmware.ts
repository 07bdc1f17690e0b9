import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { EngineError } from "../errors.js";
import type { KernelArch } from "./boards.js";

const run = promisify(execFile);

/** A linker region a model did not fit in, as GNU ld reports it ("region `RAM' overflowed by 1024 bytes"). */
export interface RegionOverflow {
  region: string;
  bytes: number;
}

export function parseRegionOverflows(linkerOutput: string): RegionOverflow[] {
  const found = new Map<string, number>();
  for (const m of linkerOutput.matchAll(/region [`'"]?(\w+)['"]? overflowed by (\d+) bytes/g)) {
    found.set(m[1] as string, Number(m[2]));
  }
  return [...found].map(([region, bytes]) => ({ region, bytes }));
}

export interface FirmwareBuild {
  /** BUILD/fw.elf. */
  executable: string;
}

/**
 * Configures and builds the firmware (CMake, Ninja when installed) for `board` with
 * the model folder `modelDir` and the runtime's kernel family `arch`. A model too big for the board's memory
 * fails with UNSATISFIABLE naming each overflowed region and by how many bytes. Any other failure to configure,
 * compile or link is INTERNAL: the folder holds the engine's own generated code, so a build that fails is the
 * engine's bug (or its toolchain's), never the user's model.
 */
export async function buildFirmware(options: {
  /** hardware-farm/firmware: the boards' support and the harness. */
  firmwareDir: string;
  board: string;
  modelDir: string;
  buildDir: string;
  arch: KernelArch;
  /** Aborting it kills the build. */
  signal?: AbortSignal;
}): Promise<FirmwareBuild> {
  const { firmwareDir, board, modelDir, buildDir, arch, signal } = options;
  if (!existsSync(join(firmwareDir, "boards", "boards.cmake"))) {
    throw new EngineError(
      "FILE_NOT_FOUND",
      `the benchmark firmware is not at ${firmwareDir} (boards/boards.cmake is missing): pass the hardware-farm/firmware folder`,
    );
  }
  const generator = await run("ninja", ["--version"]).then(
    () => ["-G", "Ninja"],
    () => [],
  );
  const configure = [
    "-S",
    firmwareDir,
    "-B",
    buildDir,
    ...generator,
    `-DBOARD=${board}`,
    `-DTML_MODEL_DIR=${modelDir}`,
    `-DTML_ARCH=${arch}`,
    "-DCMAKE_BUILD_TYPE=Release",
  ];
  const step = async (args: string[], what: string) => {
    try {
      await runInProcessGroup("cmake", args, buildDir, signal);
    } catch (e) {
      if (signal?.aborted) throw signal.reason ?? e;
      const err = e as { stdout?: string; stderr?: string; message: string };
      const output = `${err.stdout ?? ""}\n${err.stderr ?? ""}`;
      const overflows = parseRegionOverflows(output);
      if (overflows.length > 0) {
        const list = overflows.map((o) => `${o.region} overflowed by ${o.bytes} bytes`).join(", ");
        throw new EngineError("UNSATISFIABLE", `the model does not fit the ${board} board's memory: ${list}`, {
          overflows,
        });
      }
      const tail = output.trim().split("\n").slice(-15).join("\n");
      throw new EngineError("INTERNAL", `${what} failed for ${board}:\n${tail || err.message}`);
    }
  };
  await step(configure, "configuring the firmware");
  await step(["--build", buildDir], "building the firmware");
  const executable = join(buildDir, "fw.elf");
  if (!existsSync(executable)) throw new EngineError("INTERNAL", `the build left no ${executable}`);
  return { executable };
}

/**
 * Runs a build command as the leader of its own process group, so that an aborted `signal` kills the whole build
 * (cmake, ninja and the compilers they started), not cmake alone. The compilers' temporary files go to `tmpDir`
 * (TMPDIR), inside the build, not to the system's temporary folder. Rejects like execFile: with stdout and stderr.
 */
function runInProcessGroup(command: string, args: string[], tmpDir: string, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const env = { ...process.env, TMPDIR: tmpDir };
    const child = spawn(command, args, { detached: true, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    const limit = 16 * 1024 * 1024;
    child.stdout.on("data", (d: Buffer) => {
      if (stdout.length < limit) stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      if (stderr.length < limit) stderr += d.toString();
    });
    const onAbort = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        // the group has already exited
      }
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    child.on("error", (e) => {
      signal?.removeEventListener("abort", onAbort);
      reject(Object.assign(e, { stdout, stderr }));
    });
    child.on("close", (code, killedBy) => {
      signal?.removeEventListener("abort", onAbort);
      if (code === 0) resolve();
      else {
        const why = killedBy ? `killed by ${killedBy}` : `exit status ${code}`;
        reject(Object.assign(new Error(`${command} ${args.join(" ")}: ${why}`), { stdout, stderr }));
      }
    });
  });
}
