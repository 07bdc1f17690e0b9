import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  ACTIVATION,
  BUFFER,
  BUILTIN,
  BUILTIN_OPERATOR_NAMES,
  FC_WEIGHTS_FORMAT,
  METADATA,
  MODEL,
  OPERATOR,
  OPERATOR_CODE,
  OPTIONS_TABLES,
  PADDING,
  QUANTIZATION,
  SUBGRAPH,
  TENSOR,
  TENSOR_TYPE,
  TFLITE_FILE_IDENTIFIER,
} from "./schema.js";

/**
 * schema.ts types by hand the field ids and enum values of TFLite's schema.fbs that the engine uses. Each is
 * checked here against the schema as TensorFlow generates it for Python (testdata/dump_schema.py reads
 * tensorflow/lite/python/schema_py_generated.py), so a typo or a renumbering cannot pass unnoticed.
 */

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const PYTHON = `${ROOT}.venv/bin/python`;
const DUMP = fileURLToPath(new URL("./testdata/dump_schema.py", import.meta.url));

interface SchemaField {
  id: number;
  kind?: string;
  default?: number | boolean;
}
interface Schema {
  source: string;
  identifier: string | null;
  tables: Record<string, Record<string, SchemaField>>;
  enums: Record<string, Record<string, number>>;
}

/** `strideW` → `StrideW`: the accessor flatc's Python generator names after a field. */
const accessor = (field: string): string => field.charAt(0).toUpperCase() + field.slice(1);

/** Each disagreement between one of our tables of field ids and the schema's table, as readable lines. */
function fieldMismatches(schema: Schema, table: string, ids: Readonly<Record<string, number>>): string[] {
  const fields = schema.tables[table];
  if (!fields) return [`table ${table} is not in the schema`];
  return Object.entries(ids).flatMap(([name, id]) => {
    const real = fields[accessor(name)];
    return real?.id === id ? [] : [`${table}.${name}: ours ${id}, schema ${real ? real.id : "none"}`];
  });
}

function enumMismatches(schema: Schema, name: string, values: Readonly<Record<string, number>>): string[] {
  const real = schema.enums[name];
  if (!real) return [`enum ${name} is not in the schema`];
  return Object.entries(values).flatMap(([member, value]) =>
    real[member] === value ? [] : [`${name}.${member}: ours ${value}, schema ${real[member] ?? "none"}`],
  );
}

describe.runIf(existsSync(PYTHON))("the hand-typed TFLite schema against TensorFlow's generated schema", () => {
  const schema = JSON.parse(execFileSync(PYTHON, [DUMP], { encoding: "utf8", maxBuffer: 64 << 20 })) as Schema;

  it("every table field id we read or write is the schema's", () => {
    const tables: [string, Readonly<Record<string, number>>][] = [
      ["Model", MODEL],
      ["SubGraph", SUBGRAPH],
      ["Tensor", TENSOR],
      ["QuantizationParameters", QUANTIZATION],
      ["Buffer", BUFFER],
      ["Metadata", METADATA],
      ["OperatorCode", OPERATOR_CODE],
      ["Operator", OPERATOR],
    ];
    expect(tables.flatMap(([table, ids]) => fieldMismatches(schema, table, ids))).toEqual([]);
  });

  it("every options table has the schema's union tag, field ids, scalar kinds and defaults", () => {
    const mismatches: string[] = [];
    for (const table of OPTIONS_TABLES.values()) {
      const tag = schema.enums.BuiltinOptions?.[table.name];
      if (tag !== table.unionType)
        mismatches.push(`BuiltinOptions.${table.name}: ours ${table.unionType}, schema ${tag}`);
      const ids = Object.fromEntries(Object.entries(table.fields).map(([name, f]) => [name, f.id]));
      mismatches.push(...fieldMismatches(schema, table.name, ids));
      for (const [name, field] of Object.entries(table.fields)) {
        const real = schema.tables[table.name]?.[accessor(name)];
        if (field.kind === "int32[]" || !real) continue;
        if (real.kind !== field.kind) mismatches.push(`${table.name}.${name}: kind ${field.kind}, schema ${real.kind}`);
        if (real.default !== field.default) {
          mismatches.push(`${table.name}.${name}: default ${field.default}, schema ${real.default}`);
        }
      }
    }
    expect(mismatches).toEqual([]);
  });

  it("every enum value we use, and the name of every builtin operator code, is the schema's", () => {
    const operators = schema.enums.BuiltinOperator ?? {};
    const names = BUILTIN_OPERATOR_NAMES.flatMap((name, code) =>
      operators[name] === code ? [] : [`BuiltinOperator ${code}: ours ${name}, schema ${operators[name] ?? "none"}`],
    );
    expect([
      ...enumMismatches(schema, "TensorType", TENSOR_TYPE),
      ...enumMismatches(schema, "Padding", PADDING),
      ...enumMismatches(schema, "ActivationFunctionType", ACTIVATION),
      ...enumMismatches(schema, "FullyConnectedOptionsWeightsFormat", FC_WEIGHTS_FORMAT),
      ...enumMismatches(schema, "BuiltinOperator", BUILTIN),
      ...names,
    ]).toEqual([]);
    expect(schema.identifier).toBe(TFLITE_FILE_IDENTIFIER);
  });
});
