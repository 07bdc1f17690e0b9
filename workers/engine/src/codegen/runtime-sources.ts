import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { EngineError } from "../errors.js";

/**
 * The runtime sources a generated model ships with: the public headers, the source file of each kernel it calls
 * (src/ref/ always, plus the architecture twins in src/armv7em/ and src/rv32im/), and every header those files
 * include by a relative path (src/common/…), transitively. Paths keep sdk/embedded's layout under `tinyml/`.
 */

const ARCH_DIRS = ["armv7em", "rv32im"] as const;

export interface RuntimeFiles {
  /** Path relative to the runtime root → contents. */
  files: Map<string, string>;
  /** Kernel sources by twin (relative paths), for the build files. */
  sources: { ref: string[]; armv7em: string[]; rv32im: string[] };
}

const INCLUDE = /^\s*#\s*include\s+"([^"]+)"/gm;

export function collectRuntimeSources(kernels: readonly string[], runtimeDir: string): RuntimeFiles {
  const headerDir = join(runtimeDir, "include", "tinyml");
  if (!existsSync(join(headerDir, "tml_kernels.h"))) {
    throw new EngineError(
      "FILE_NOT_FOUND",
      `the embedded runtime is not at ${runtimeDir} (include/tinyml/tml_kernels.h is missing): pass its folder`,
    );
  }
  const files = new Map<string, string>();
  const read = (rel: string) => readFileSync(join(runtimeDir, rel), "utf8");
  const add = (rel: string) => {
    const path = normalize(rel);
    if (files.has(path)) return;
    const text = read(path);
    files.set(path, text);
    for (const m of text.matchAll(INCLUDE)) {
      const target = join(dirname(path), m[1] as string);
      // Includes through the include path (e.g. "tinyml/tml_kernels.h") resolve under include/.
      const viaIncludeDir = join("include", m[1] as string);
      if (existsSync(join(runtimeDir, target))) add(target);
      else if (existsSync(join(runtimeDir, viaIncludeDir))) add(viaIncludeDir);
    }
  };
  for (const h of readdirSync(headerDir)
    .filter((f) => f.endsWith(".h"))
    .sort())
    add(join("include", "tinyml", h));

  const sources = { ref: [] as string[], armv7em: [] as string[], rv32im: [] as string[] };
  const missing: string[] = [];
  for (const kernel of [...new Set(kernels)].sort()) {
    const ref = join("src", "ref", `${kernel}.c`);
    if (!existsSync(join(runtimeDir, ref))) {
      missing.push(kernel);
      continue;
    }
    add(ref);
    sources.ref.push(ref);
    for (const arch of ARCH_DIRS) {
      const dir = join(runtimeDir, "src", arch);
      if (!existsSync(dir)) continue;
      // A twin may be split into specialisations (tml_conv2d_s8_1x1.c beside tml_conv2d_s8.c).
      for (const f of readdirSync(dir).sort()) {
        const names = [kernel, kernel.replace(/^tml_/, `tml_${arch}_`)];
        if (f.endsWith(".c") && names.some((n) => f === `${n}.c` || f.startsWith(`${n}_`))) {
          const rel = relative(runtimeDir, join(dir, f));
          add(rel);
          sources[arch].push(rel);
        }
      }
    }
  }
  if (missing.length > 0) {
    throw new EngineError(
      "UNSUPPORTED_OPS",
      `the embedded runtime at ${runtimeDir} has no source for ${missing.join(", ")} (expected src/ref/<kernel>.c)`,
      { kernels: missing },
    );
  }
  return { files, sources };
}
