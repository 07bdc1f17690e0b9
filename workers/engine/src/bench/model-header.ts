import { EngineError } from "../errors.js";

/** What the bench needs from a generated `model.h`: sizes, input/output types and quantization parameters. */
export interface ModelHeader {
  arenaBytes: number;
  inputBytes: number;
  outputBytes: number;
  inputType: "int8" | "int16";
  outputType: "int8" | "int16";
  inputScale: number;
  inputZeroPoint: number;
  outputScale: number;
  outputZeroPoint: number;
  macs: number | null;
}

/** The numeric `#define TML_MODEL_*` values of a model.h (`(-3)`, `0.05f`, `1e-3` and integers). */
export function parseModelHeader(text: string): ModelHeader {
  const defines = new Map<string, string>();
  for (const m of text.matchAll(/^[ \t]*#[ \t]*define[ \t]+(TML_MODEL_\w+)(?:[ \t]+([^\n/]*))?/gm)) {
    defines.set(m[1] as string, (m[2] ?? "").trim());
  }
  const number = (name: string, required = true): number => {
    const raw = defines.get(name);
    const cleaned = raw
      ?.replace(/[()]/g, "")
      .replace(/[fFuUlL]+$/, "")
      .replace(/^\((?:float|int|double)\)/, "")
      .trim();
    const v = cleaned === undefined || cleaned === "" ? Number.NaN : Number(cleaned);
    if (Number.isNaN(v) && required) {
      throw new EngineError(
        "CORRUPT_MODEL",
        `model.h: ${name} is ${raw === undefined ? "missing" : `"${raw}", not a number`}`,
      );
    }
    return v;
  };
  const inputType = defines.has("TML_MODEL_INPUT_TYPE_INT16") ? "int16" : "int8";
  const outputType = defines.has("TML_MODEL_OUTPUT_TYPE_INT16") ? "int16" : "int8";
  const macs = number("TML_MODEL_MACS", false);
  return {
    arenaBytes: number("TML_MODEL_ARENA_SIZE"),
    inputBytes: number("TML_MODEL_INPUT_BYTES"),
    outputBytes: number("TML_MODEL_OUTPUT_BYTES"),
    inputType,
    outputType,
    inputScale: number("TML_MODEL_INPUT_SCALE"),
    inputZeroPoint: number("TML_MODEL_INPUT_ZERO_POINT"),
    outputScale: number("TML_MODEL_OUTPUT_SCALE"),
    outputZeroPoint: number("TML_MODEL_OUTPUT_ZERO_POINT"),
    macs: Number.isNaN(macs) ? null : macs,
  };
}
