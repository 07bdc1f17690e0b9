import { EngineError } from "../errors.js";
import type { Graph } from "../ir/graph.js";
import type { Node } from "../ir/ops.js";
import type { Tensor } from "../ir/tensor.js";
import type { ArenaLayout } from "./arena-layout.js";
import { C_TYPES, cArray, cComment } from "./c-source.js";
import type { EmitContext, EmittedOp, OpEmitter } from "./emitter.js";
import { OP_EMITTERS } from "./op-emitters.js";

/** The pieces of model.c that the ops contribute, in order. */
export interface EmittedModel {
  /** `static const` arrays of the graph's constants, in order of first use. */
  constants: string[];
  /** Each op's file-scope definitions, after its header comment. */
  definitions: string[];
  /** Statements of tml_model_init. */
  initStatements: string[];
  /** Checks in tml_model_init that each linked kernel wants no more scratch than was planned. */
  scratchChecks: string[];
  /** One block of tml_model_run per op. */
  runStatements: string[];
  /** Public kernel names called. */
  kernels: Set<string>;
  /** Bytes of every constant array (graph constants and the emitters' tables). */
  constantBytes: number;
}

/** The emitter of a node; `checkSupported` has made sure every node has one. */
export const emitterOf = (node: Node): OpEmitter => OP_EMITTERS[node.op] as OpEmitter;

const ELEMENT_BYTES: Readonly<Record<string, number>> = { int64_t: 8, int16_t: 2, int8_t: 1 };

/** Runs every op's emitter over the planned graph (one kernel call per op; aliased ops cost nothing). */
export function emitModel(graph: Graph, layout: ArenaLayout): EmittedModel {
  const tensor = (name: string) => graph.tensors.get(name) as Tensor;
  const pool = constantPool(graph, layout);
  const model: EmittedModel = {
    constants: pool.arrays,
    definitions: [],
    initStatements: [],
    scratchChecks: [],
    runStatements: [],
    kernels: new Set<string>(),
    constantBytes: 0,
  };
  graph.nodes.forEach((node, step) => {
    const id = `op${step}`;
    const header = `/* ${step}: ${node.op} "${cComment(node.name)}" */`;
    if (layout.aliased.has(node)) {
      model.runStatements.push(`  ${header}\n  /* in place: its output aliases its input's bytes */\n`);
      return;
    }
    const scratch = layout.scratch.get(node);
    const ctx: EmitContext = {
      graph,
      id,
      tensor,
      ptr: pool.ptr,
      array(type, suffix, values, comment) {
        const name = `${id}_${suffix}`;
        model.definitions.push(cArray(type, name, values, comment ? { comment } : {}));
        model.constantBytes += values.length * (ELEMENT_BYTES[type] ?? 4);
        return name;
      },
      scratch: `&${id}_ctx`,
    };
    const emitter = emitterOf(node);
    for (const k of emitter.kernels(node, graph)) model.kernels.add(k);
    const emitted: EmittedOp = emitter.emit(node, ctx);
    model.definitions.push(`${header}\n`, ...emitted.definitions);
    model.initStatements.push(...(emitted.init ?? []).map((s) => `  ${s}`));
    if (emitted.scratchQuery) {
      model.scratchChecks.push(`  if (${emitted.scratchQuery} > ${scratch?.bytes ?? 0}) return -3; /* ${id} */`);
    }
    const body: string[] = [];
    if (emitted.call?.includes(ctx.scratch)) {
      body.push(
        scratch
          ? `const tml_context ${id}_ctx = { tml_arena + ${scratch.offset}, ${scratch.bytes} };`
          : `const tml_context ${id}_ctx = { NULL, 0 };`,
      );
    }
    body.push(...(emitted.prelude ?? []));
    if (emitted.call) body.push(`status = ${emitted.call};`, "if (status != TML_OK) return (int)status;");
    model.runStatements.push(`  ${header}\n  {\n${body.map((s) => `    ${s}`).join("\n")}\n  }\n`);
  });
  model.constantBytes += pool.bytes();
  return model;
}

/**
 * C pointer expressions for the graph's tensors by their planned storage: the caller's input and output, an
 * offset in the arena, or a `static const` array in flash, defined on first use.
 */
function constantPool(graph: Graph, layout: ArenaLayout) {
  const arrays: string[] = [];
  const ids = new Map<string, string>();
  let bytes = 0;
  const ctype = (t: Tensor) => {
    const c = C_TYPES[t.dtype];
    if (!c) throw new EngineError("UNSUPPORTED_MODEL", `C code generation: tensor "${t.name}" is ${t.dtype}`);
    return c;
  };
  const constant = (name: string, t: Tensor, type: string): string => {
    let id = ids.get(name);
    if (!id) {
      id = `tml_const${ids.size}`;
      ids.set(name, id);
      const data = t.data as NonNullable<Tensor["data"]>;
      arrays.push(cArray(type, id, data, { comment: `${t.name} [${t.shape.join("x")}] ${t.dtype}` }));
      bytes += data.byteLength;
    }
    return id;
  };
  const ptr = (name: string): string => {
    const t = graph.tensors.get(name) as Tensor;
    const type = ctype(t);
    const storage = layout.storage.get(name);
    switch (storage?.kind) {
      case "input":
        return `(const ${type} *)input`;
      case "output":
        return `(${type} *)output`;
      case "arena":
        return `(${type} *)(tml_arena + ${storage.offset})`;
      case "const":
        return constant(name, t, type);
      default:
        throw new EngineError("INVALID_GRAPH", `C code generation: tensor "${name}" has no storage`);
    }
  };
  return { arrays, ptr, bytes: () => bytes };
}
