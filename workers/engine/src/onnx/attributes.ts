import { EngineError } from "../errors.js";
import { ATTR, type OnnxAttribute, type OnnxNode, type OnnxTensor } from "./schema.js";

const utf8 = new TextDecoder("utf-8");

/** Typed access to a node's attributes; a value of the wrong type is a CORRUPT_MODEL error naming the node. */
export class NodeAttributes {
  private readonly byName = new Map<string, OnnxAttribute>();

  constructor(readonly node: OnnxNode) {
    for (const a of node.attributes) this.byName.set(a.name, a);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  private get(name: string, types: number[]): OnnxAttribute | undefined {
    const a = this.byName.get(name);
    if (!a) return undefined;
    if (a.refAttrName) {
      throw new EngineError(
        "UNSUPPORTED_MODEL",
        `${describeNode(this.node)}: attribute "${name}" refers to a function attribute`,
      );
    }
    if (!types.includes(a.type)) {
      throw new EngineError(
        "CORRUPT_MODEL",
        `${describeNode(this.node)}: attribute "${name}" has type ${a.type}, expected ${types.join(" or ")}; the model is malformed: export it again`,
      );
    }
    return a;
  }

  int(name: string, fallback: number): number;
  int(name: string): number | undefined;
  int(name: string, fallback?: number): number | undefined {
    return this.get(name, [ATTR.INT])?.i ?? fallback;
  }

  float(name: string, fallback: number): number;
  float(name: string): number | undefined;
  float(name: string, fallback?: number): number | undefined {
    return this.get(name, [ATTR.FLOAT])?.f ?? fallback;
  }

  ints(name: string, fallback: number[]): number[];
  ints(name: string): number[] | undefined;
  ints(name: string, fallback?: number[]): number[] | undefined {
    return this.get(name, [ATTR.INTS])?.ints ?? fallback;
  }

  floats(name: string): number[] | undefined {
    return this.get(name, [ATTR.FLOATS])?.floats;
  }

  string(name: string, fallback: string): string;
  string(name: string): string | undefined;
  string(name: string, fallback?: string): string | undefined {
    const s = this.get(name, [ATTR.STRING])?.s;
    return s === undefined ? fallback : utf8.decode(s);
  }

  tensor(name: string): OnnxTensor | undefined {
    return this.get(name, [ATTR.TENSOR])?.t;
  }

  /** An attribute that is an int in current opsets and was a string in early ones (Cast's `to`). */
  intOrString(name: string): number | string | undefined {
    const a = this.get(name, [ATTR.INT, ATTR.STRING]);
    if (!a) return undefined;
    return a.type === ATTR.INT ? a.i : utf8.decode(a.s ?? new Uint8Array());
  }
}

export const describeNode = (node: OnnxNode): string =>
  `${node.opType} node${node.name ? ` "${node.name}"` : ""}${node.outputs[0] ? ` (output "${node.outputs[0]}")` : ""}`;
