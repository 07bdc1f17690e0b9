import type { DType } from "../ir/dtype.js";

/** Small pieces of C99 text the emitters share: literals, array definitions, dims. */

/** The C element type of an IR dtype the runtime handles. */
export const C_TYPES: Partial<Record<DType, string>> = {
  int8: "int8_t",
  int16: "int16_t",
  int32: "int32_t",
  int64: "int64_t",
  float32: "float",
};

/** A C integer literal; INT32_MIN and int64 values get the forms a C99 compiler takes without warnings. */
export function cInt(value: number | bigint, type = "int32_t"): string {
  if (type === "int64_t") {
    const v = BigInt(value);
    if (v === -(2n ** 63n)) return "INT64_MIN";
    return `INT64_C(${v})`;
  }
  if (value === -2147483648) return "INT32_MIN";
  return String(value);
}

/** A float literal that reads back as the same float32 (9 significant digits), with the f suffix. */
export function cFloat(value: number): string {
  const f = Math.fround(value);
  if (!Number.isFinite(f)) throw new RangeError(`${value} is not a finite float`);
  const text = f.toPrecision(9);
  return `${text.includes("e") || text.includes(".") ? text : `${text}.0`}f`;
}

/** A C comment's text with anything that could end it removed (tensor names come from user models). */
export const cComment = (text: string): string => text.replace(/\*\//g, "* /").replace(/[\r\n]+/g, " ");

/** `static const TYPE name[n] = { … };` with `perLine` values a line. */
export function cArray(
  type: string,
  name: string,
  values: ArrayLike<number> | ArrayLike<bigint>,
  options: { comment?: string; perLine?: number } = {},
): string {
  const perLine = options.perLine ?? (type === "int8_t" ? 24 : 12);
  const lines: string[] = [];
  for (let i = 0; i < values.length; i += perLine) {
    const row: string[] = [];
    for (let j = i; j < Math.min(values.length, i + perLine); j++) row.push(cInt(values[j] as number | bigint, type));
    lines.push(`  ${row.join(", ")},`);
  }
  const head = options.comment ? `/* ${cComment(options.comment)} */\n` : "";
  // An empty initializer list is not C99: a zero-length constant never reaches here (shapes are concrete).
  return `${head}static const ${type} ${name}[${values.length}] = {\n${lines.join("\n")}\n};\n`;
}

/**
 * A shape as the runtime's 4-D NHWC dims with leading 1s (TFLite's RuntimeShape::ExtendedShape(4)). Ranks
 * above 4 are refused by the caller.
 */
export function dims4(shape: readonly number[]): [number, number, number, number] {
  const padded = [1, 1, 1, 1, ...shape].slice(-4);
  return padded as [number, number, number, number];
}

export const cDims = (d: readonly number[]): string => `{ ${d[0]}, ${d[1]}, ${d[2]}, ${d[3]} }`;
