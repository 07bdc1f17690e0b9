import { analyzeGraph } from "../analysis/analyze.js";
import { EngineError } from "../errors.js";
import type { Graph } from "../ir/graph.js";
import { planArena } from "./arena-layout.js";
import { emitModel, emitterOf } from "./emit-model.js";
import { ARENA_ALIGNMENT, type CodegenOptions, type GeneratedC } from "./generated-c.js";
import { greedyPlanner } from "./greedy-planner.js";
import { modelHeader, modelSource, usesMathLibrary } from "./model-files.js";
import { integerInterface, modelIo } from "./model-interface.js";
import { OP_EMITTERS } from "./op-emitters.js";
import { cmakeLists, userReadme } from "./project-files.js";
import { collectRuntimeSources } from "./runtime-sources.js";

export type { CodegenOptions, GeneratedC, ModelIo } from "./generated-c.js";

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
 * CMakeLists.txt and a README. The stages: the integer interface and its checks, the arena plan, one emitter
 * per op, the model's two files, then the runtime sources and the project files beside them.
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
  const layout = planArena(
    graph,
    (node) => emitterOf(node).scratchBytes(node, graph),
    options.planner ?? greedyPlanner,
    ARENA_ALIGNMENT,
  );
  const emitted = emitModel(graph, layout);
  const macs = analyzeGraph(graph).macs;
  // Never 0, so that `uint8_t arena[TML_MODEL_ARENA_SIZE]` stays valid C for a model with nothing to keep.
  const arenaBytes = Math.max(layout.arenaBytes, ARENA_ALIGNMENT);
  const summary = { graph, layout, arenaBytes, macs };
  const files = new Map<string, string>([
    ["model.c", modelSource(summary, emitted)],
    ["model.h", modelHeader(summary, input, output)],
  ]);
  const kernels = [...emitted.kernels];
  const runtime = collectRuntimeSources(kernels, options.runtimeDir);
  for (const [path, text] of runtime.files) files.set(`tinyml/${path}`, text);
  const generated: GeneratedC = {
    files,
    arenaBytes,
    layout,
    kernels: [...kernels].sort(),
    macs,
    constantBytes: emitted.constantBytes,
    input,
    output,
  };
  files.set("CMakeLists.txt", cmakeLists(runtime.sources, usesMathLibrary(emitted.kernels)));
  files.set("README.md", userReadme(graph.name, generated));
  return generated;
}
