import type { Graph } from "../ir/graph.js";

/** A named graph rewrite. `run` changes the graph in place and says whether it changed anything. */
export interface Pass {
  name: string;
  run(graph: Graph): boolean;
}
