import { analyzeGraph } from "../analysis/analyze.js";
import { EngineError } from "../errors.js";
import { DTYPE_BYTES } from "../ir/dtype.js";
import type { Graph } from "../ir/graph.js";
import type { Node } from "../ir/ops.js";
import { elementCount, type Tensor } from "../ir/tensor.js";
import { ENGINE_VERSION } from "../version.js";
import { type ArenaLayout, planArena } from "./arena-layout.js";
import { C_TYPES, cArray, cComment, cFloat } from "./c-source.js";
import type { EmitContext, EmittedOp } from "./emitter.js";
import { f32 } from "./fixed-point.js";
import { greedyPlanner } from "./greedy-planner.js";
import type { MemoryPlanner } from "./memory-planner.js";
import { OP_EMITTERS } from "./op-emitters.js";
import { cmakeLists, userReadme } from "./project-files.js";
import { collectRuntimeSources } from "./runtime-sources.js";

/** Arena offsets and the arena's start are multiples of this (the widest scratch element, SIMD loads). */
export const ARENA_ALIGNMENT = 16;

export interface CodegenOptions {
  planner?: MemoryPlanner;
  /**
   * sdk/embedded: the runtime whose sources are copied. Always passed by the caller (the CLI resolves it from its
   * own place, the worker from its configuration): the engine looks for no folder by itself.
   */
  runtimeDir: string;
}

export interface ModelIo {
  dtype: "int8" | "int16";
  shape: number[];
  bytes: number;
  scale: number;
  zeroPoint: number;
}

export interface GeneratedC {
  /** Relative path under the output folder (`model.c`, `tinyml/src/ref/…`) → contents. */
  files: Map<string, string>;
  arenaBytes: number;
  layout: ArenaLayout;
  /** Public kernel names the model calls. */
  kernels: string[];
  macs: number;
  /** Bytes of the constant arrays (weights, biases, multipliers) in model.c. */
  constantBytes: number;
  input: ModelIo;
  output: ModelIo;
}

function modelIo(graph: Graph, name: string, what: "input" | "output"): ModelIo {
  const t = graph.tensors.get(name) as Tensor;
  if ((t.dtype !== "int8" && t.dtype !== "int16") || !t.quant || t.quant.scale.length !== 1) {
    throw new EngineError(
      "UNSUPPORTED_MODEL",
      `C code generation needs an integer (int8 or int16) quantized model ${what}; "${t.name}" is ${t.dtype}${t.quant ? "" : " without quantization"}: quantize the model first (--quantize int8 or int16x8)`,
    );
  }
  return {
    dtype: t.dtype,
    shape: [...t.shape],
    bytes: elementCount(t.shape) * DTYPE_BYTES[t.dtype],
    scale: f32(t.quant.scale[0] as number),
    zeroPoint: t.quant.zeroPoint[0] as number,
  };
}

/**
 * The integer core of a quantized model with a float interface (the TF converter's default: QUANTIZE after the
 * float input, DEQUANTIZE before the float output): the generated C takes and gives the quantized tensors, and
 * the caller converts with TML_MODEL_INPUT_SCALE / _ZERO_POINT as for any integer model. Other graphs are
 * returned as they are.
 */
function integerInterface(graph: Graph): Graph {
  const input = graph.tensors.get(graph.inputs[0] as string) as Tensor;
  const output = graph.tensors.get(graph.outputs[0] as string) as Tensor;
  const consumers = graph.nodes.filter((n) => n.inputs.includes(input.name));
  const first = consumers.length === 1 && consumers[0]?.op === "Quantize" ? consumers[0] : undefined;
  const last = graph.nodes.find((n) => n.outputs.includes(output.name));
  const isInteger = (name: string | undefined) => {
    const t = name === undefined ? undefined : graph.tensors.get(name);
    return t !== undefined && (t.dtype === "int8" || t.dtype === "int16") && t.quant !== undefined;
  };
  const stripInput = input.dtype === "float32" && first !== undefined && isInteger(first.outputs[0]);
  const stripOutput =
    output.dtype === "float32" &&
    last?.op === "Dequantize" &&
    isInteger(last.inputs[0]) &&
    !graph.nodes.some((n) => n !== last && n.inputs.includes(output.name));
  if (!stripInput && !stripOutput) return graph;
  return {
    ...graph,
    nodes: graph.nodes.filter((n) => !(stripInput && n === first) && !(stripOutput && n === last)),
    inputs: stripInput ? [first?.outputs[0] as string] : graph.inputs,
    outputs: stripOutput ? [last?.inputs[0] as string] : graph.outputs,
  };
}

/** Every op the table cannot generate, listed at once (UNSUPPORTED_OPS). */
function checkSupported(graph: Graph): void {
  const problems: string[] = [];
  const ops = new Set<string>();
  for (const node of graph.nodes) {
    const emitter = OP_EMITTERS[node.op];
    if (!emitter) {
      problems.push(`${node.op} "${node.name}" (no C emitter)`);
      ops.add(node.op);
      continue;
    }
    try {
      emitter.kernels(node, graph);
    } catch (e) {
      if (!(e instanceof EngineError)) throw e;
      problems.push(e.message.replace(/^C code generation: /, ""));
      ops.add(node.op);
    }
  }
  if (problems.length > 0) {
    throw new EngineError(
      "UNSUPPORTED_OPS",
      `C code generation does not support ${[...ops].join(", ")} as used here: ${problems.join("; ")}. The generated C runs int8 / int16x8 quantized models (quantize with --quantize int8 or int16x8).`,
      { ops: [...ops] },
    );
  }
}

/**
 * Ahead-of-time C for a quantized graph: model.c (constants in flash, one kernel call per op with every
 * parameter precomputed, a static arena plan), model.h (the API), the runtime sources it calls, a
 * CMakeLists.txt and a README.
 */
export function generateC(model: Graph, options: CodegenOptions): GeneratedC {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new EngineError(
      "UNSUPPORTED_MODEL",
      `C code generation takes models with one input and one output; "${model.name}" has ${model.inputs.length} and ${model.outputs.length}`,
    );
  }
  const graph = integerInterface(model);
  checkSupported(graph);
  const input = modelIo(graph, graph.inputs[0] as string, "input");
  const output = modelIo(graph, graph.outputs[0] as string, "output");
  const emitterOf = (node: Node) => OP_EMITTERS[node.op] as NonNullable<(typeof OP_EMITTERS)[typeof node.op]>;
  const layout = planArena(
    graph,
    (node) => emitterOf(node).scratchBytes(node, graph),
    options.planner ?? greedyPlanner,
    ARENA_ALIGNMENT,
  );

  const constants: string[] = [];
  const constantIds = new Map<string, string>();
  let constantBytes = 0;
  const tensor = (name: string) => graph.tensors.get(name) as Tensor;
  const ctype = (t: Tensor) => {
    const c = C_TYPES[t.dtype];
    if (!c) throw new EngineError("UNSUPPORTED_MODEL", `C code generation: tensor "${t.name}" is ${t.dtype}`);
    return c;
  };
  const ptr = (name: string): string => {
    const t = tensor(name);
    const type = ctype(t);
    const storage = layout.storage.get(name);
    switch (storage?.kind) {
      case "input":
        return `(const ${type} *)input`;
      case "output":
        return `(${type} *)output`;
      case "arena":
        return `(${type} *)(tml_arena + ${storage.offset})`;
      case "const": {
        let id = constantIds.get(name);
        if (!id) {
          id = `tml_const${constantIds.size}`;
          constantIds.set(name, id);
          const data = t.data as NonNullable<Tensor["data"]>;
          constants.push(cArray(type, id, data, { comment: `${t.name} [${t.shape.join("x")}] ${t.dtype}` }));
          constantBytes += data.byteLength;
        }
        return id;
      }
      default:
        throw new EngineError("INVALID_GRAPH", `C code generation: tensor "${name}" has no storage`);
    }
  };

  const definitions: string[] = [];
  const initStatements: string[] = [];
  const scratchChecks: string[] = [];
  const runStatements: string[] = [];
  const kernels = new Set<string>();
  graph.nodes.forEach((node, step) => {
    const id = `op${step}`;
    const header = `/* ${step}: ${node.op} "${cComment(node.name)}" */`;
    if (layout.aliased.has(node)) {
      runStatements.push(`  ${header}\n  /* in place: its output aliases its input's bytes */\n`);
      return;
    }
    const scratch = layout.scratch.get(node);
    const ctx: EmitContext = {
      graph,
      id,
      tensor,
      ptr,
      array(type, suffix, values, comment) {
        const name = `${id}_${suffix}`;
        definitions.push(cArray(type, name, values, comment ? { comment } : {}));
        constantBytes += values.length * (type === "int64_t" ? 8 : type === "int16_t" ? 2 : type === "int8_t" ? 1 : 4);
        return name;
      },
      scratch: `&${id}_ctx`,
    };
    const emitter = emitterOf(node);
    for (const k of emitter.kernels(node, graph)) kernels.add(k);
    const emitted: EmittedOp = emitter.emit(node, ctx);
    definitions.push(`${header}\n`, ...emitted.definitions);
    initStatements.push(...(emitted.init ?? []).map((s) => `  ${s}`));
    if (emitted.scratchQuery) {
      scratchChecks.push(`  if (${emitted.scratchQuery} > ${scratch?.bytes ?? 0}) return -3; /* ${id} */`);
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
    runStatements.push(`  ${header}\n  {\n${body.map((s) => `    ${s}`).join("\n")}\n  }\n`);
  });

  const macs = analyzeGraph(graph).macs;
  // Never 0, so that `uint8_t arena[TML_MODEL_ARENA_SIZE]` stays valid C for a model with nothing to keep.
  const arenaBytes = Math.max(layout.arenaBytes, ARENA_ALIGNMENT);
  const usesLut = [...kernels].includes("tml_softmax_s16");
  const modelC = [
    `/* Generated by tinyml-engine ${ENGINE_VERSION} from "${cComment(graph.name)}". Do not edit.`,
    ` * ${graph.nodes.length} ops, ${macs} MACs, arena ${arenaBytes} bytes (${layout.planner} plan, ${ARENA_ALIGNMENT}-byte aligned).`,
    " * Arena map (offset: bytes, live steps):",
    ...layout.buffers.map(
      (b) =>
        ` *   ${String(b.offset).padStart(7)}: ${String(b.bytes).padStart(7)}  [${b.firstUse}, ${b.lastUse}]  ${cComment(b.name)}`,
    ),
    " */",
    '#include "model.h"',
    "",
    "#include <stddef.h>",
    "#include <stdint.h>",
    ...(usesLut ? ["#include <math.h>"] : []),
    "",
    '#include "tinyml/tml_kernels.h"',
    "",
    "static uint8_t *tml_arena;",
    "",
    ...(usesLut
      ? [
          "static float tml_model_exp(float x) { return expf(x); }",
          "static float tml_model_one_over_one_plus_x(float x) { return 1.0f / (1.0f + x); }",
          "",
        ]
      : []),
    ...constants,
    ...definitions,
    "int tml_model_init(uint8_t *arena, size_t arena_size) {",
    `  const size_t misalignment = (size_t)((uintptr_t)arena % ${ARENA_ALIGNMENT}u);`,
    `  const size_t skip = misalignment ? ${ARENA_ALIGNMENT}u - misalignment : 0u;`,
    "  tml_arena = NULL;",
    "  if (arena == NULL || arena_size < skip || arena_size - skip < (size_t)TML_MODEL_ARENA_SIZE) return -1;",
    "  /* The linked kernels (reference or optimized twins) must want no more scratch than was planned. */",
    ...scratchChecks,
    ...initStatements,
    "  tml_arena = arena + skip;",
    "  return 0;",
    "}",
    "",
    "int tml_model_run(const void *input, void *output) {",
    "  tml_status status;",
    "  if (tml_arena == NULL || input == NULL || output == NULL) return -1;",
    "  (void)status;",
    ...runStatements,
    "  return 0;",
    "}",
    "",
  ].join("\n");

  const guard = "TINYML_GENERATED_MODEL_H";
  const ioMacros = (what: "INPUT" | "OUTPUT", io: ModelIo) => [
    `#define TML_MODEL_${what}_BYTES ${io.bytes}`,
    `#define TML_MODEL_${what}_TYPE_${io.dtype === "int8" ? "INT8" : "INT16"} 1`,
    `#define TML_MODEL_${what}_SCALE ${cFloat(io.scale)}`,
    `#define TML_MODEL_${what}_ZERO_POINT ${io.zeroPoint}`,
    `/* shape [${io.shape.join(", ")}], real = TML_MODEL_${what}_SCALE * (q - TML_MODEL_${what}_ZERO_POINT) */`,
  ];
  const modelH = [
    `/* Generated by tinyml-engine ${ENGINE_VERSION} from "${cComment(graph.name)}". Do not edit. See README.md. */`,
    `#ifndef ${guard}`,
    `#define ${guard}`,
    "",
    "#include <stddef.h>",
    "#include <stdint.h>",
    "",
    "#ifdef __cplusplus",
    'extern "C" {',
    "#endif",
    "",
    `/* Bytes of working memory tml_model_init needs (activations and kernel scratch, planned ahead of time). */`,
    `#define TML_MODEL_ARENA_SIZE ${arenaBytes}`,
    `/* Give the arena this alignment; a misaligned arena needs up to ${ARENA_ALIGNMENT - 1} more bytes. */`,
    `#define TML_MODEL_ARENA_ALIGNMENT ${ARENA_ALIGNMENT}`,
    ...ioMacros("INPUT", input),
    ...ioMacros("OUTPUT", output),
    `#define TML_MODEL_MACS ${macs}`,
    "",
    "/* Binds the arena. 0 on success; -1 if arena is NULL or too small; -3 if a linked kernel needs more",
    " * scratch memory than was planned (a runtime built for another TML_ARCH than the plan knows). */",
    "int tml_model_init(uint8_t *arena, size_t arena_size);",
    "",
    "/* One inference: input holds TML_MODEL_INPUT_BYTES, output receives TML_MODEL_OUTPUT_BYTES (both aligned for",
    " * their element type, not overlapping). 0 on success; -1 before a successful tml_model_init; a negative",
    " * tml_status from a kernel. */",
    "int tml_model_run(const void *input, void *output);",
    "",
    "#ifdef __cplusplus",
    "}",
    "#endif",
    "",
    `#endif /* ${guard} */`,
    "",
  ].join("\n");

  const runtime = collectRuntimeSources([...kernels], options.runtimeDir);
  const files = new Map<string, string>([
    ["model.c", modelC],
    ["model.h", modelH],
  ]);
  for (const [path, text] of runtime.files) files.set(`tinyml/${path}`, text);
  const generated: GeneratedC = {
    files,
    arenaBytes,
    layout,
    kernels: [...kernels].sort(),
    macs,
    constantBytes,
    input,
    output,
  };
  files.set("CMakeLists.txt", cmakeLists(runtime.sources, usesLut));
  files.set("README.md", userReadme(graph.name, generated));
  return generated;
}
