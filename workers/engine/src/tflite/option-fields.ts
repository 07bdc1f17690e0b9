import type { OptionsTable } from "./schema.js";

/** One field of an options table: its id, scalar kind and default. */
export type OptionField = OptionsTable["fields"][string];

/**
 * The options-table field that has kind K. The reader and the writer keep one handler per kind in a registry
 * typed by it, so each handler sees its field's default with the right type.
 */
export type FieldOfKind<K extends OptionField["kind"]> = K extends "bool" | "int32[]"
  ? Extract<OptionField, { kind: K }>
  : Extract<OptionField, { default: number }>;
