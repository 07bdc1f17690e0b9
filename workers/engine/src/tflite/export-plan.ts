import { EngineError } from "../errors.js";
import type { Graph } from "../ir/graph.js";
import type { Activation, Node, NodeOf, OpType } from "../ir/ops.js";
import type { Tensor } from "../ir/tensor.js";
import { ACTIVATION, type BuiltinName, type OptionsTable, type OptionValue } from "./schema.js";

/** One TFLite operator to write. */
export interface PlannedOp {
  builtin: BuiltinName;
  inputs: number[];
  outputs: number[];
  options?: { table: OptionsTable; values: Record<string, OptionValue> };
}

/**
 * A graph being lowered to TFLite's tensors and operators. A tensor's index in the file is the order in which
 * the exporters first ask for it, so the order of `index` calls decides the bytes of the file.
 */
export class ExportPlan {
  readonly tensors: Tensor[] = [];
  readonly ops: PlannedOp[] = [];
  private readonly indices = new Map<string, number>();
  private readonly names = new Set<string>();

  constructor(readonly graph: Graph) {
    for (const name of graph.tensors.keys()) this.names.add(name);
  }

  /** The TFLite index of IR tensor `name` (-1 for an absent optional input). */
  index(name: string): number {
    if (name === "") return -1;
    const known = this.indices.get(name);
    if (known !== undefined) return known;
    const t = this.graph.tensors.get(name);
    if (!t) throw new EngineError("INVALID_GRAPH", `graph "${this.graph.name}" has no tensor "${name}"`);
    this.tensors.push(t);
    this.indices.set(name, this.tensors.length - 1);
    return this.tensors.length - 1;
  }

  tensor(name: string): Tensor {
    return this.tensors[this.index(name)] as Tensor;
  }

  private fresh(base: string): string {
    let name = base;
    for (let i = 1; this.names.has(name); i++) name = `${base}_${i}`;
    this.names.add(name);
    return name;
  }

  /** A new tensor that exists only in the file (a shape, axes or paddings constant; a padded activation). */
  add(base: string, tensor: Omit<Tensor, "name">): number {
    const name = this.fresh(base);
    this.tensors.push({ name, ...tensor });
    this.indices.set(name, this.tensors.length - 1);
    return this.tensors.length - 1;
  }

  int32Constant(base: string, values: number[], shape = [values.length]): number {
    return this.add(base, { dtype: "int32", shape, data: Int32Array.from(values) });
  }
}

/** Lowers one IR node to the TFLite operators that compute it. */
export type OpExporter<T extends OpType> = (node: NodeOf<T>, plan: ExportPlan) => PlannedOp[];

/** Exporters of a family of IR ops, keyed by op. */
export type OpExporters = { [T in OpType]?: OpExporter<T> };

/** Why a node of an op that has an exporter still cannot be written (undefined when it can). */
export type OpRefusal<T extends OpType> = (node: NodeOf<T>, graph: Graph) => string | undefined;

/** Refusals of a family of IR ops, keyed by op. */
export type OpRefusals = { [T in OpType]?: OpRefusal<T> };

export const options = (table: OptionsTable, values: Record<string, OptionValue>) => ({ table, values });

export const ACTIVATION_CODES: Record<Activation, number> = {
  none: ACTIVATION.NONE,
  relu: ACTIVATION.RELU,
  relu_n1_to_1: ACTIVATION.RELU_N1_TO_1,
  relu6: ACTIVATION.RELU6,
  tanh: ACTIVATION.TANH,
};

/** A node written as one operator with the same inputs and outputs, with options computed from the node. */
export const simple =
  (builtin: BuiltinName, table?: OptionsTable, values: (node: Node) => Record<string, OptionValue> = () => ({})) =>
  (node: Node, plan: ExportPlan): PlannedOp[] => [
    {
      builtin,
      inputs: node.inputs.map((i) => plan.index(i)),
      outputs: node.outputs.map((o) => plan.index(o)),
      ...(table ? { options: options(table, values(node)) } : {}),
    },
  ];

/** The fused activation option of a node that has one. */
export const activationOf = (node: Node) => ({
  fusedActivationFunction: ACTIVATION_CODES[(node.attrs as { activation: Activation }).activation],
});
