import { uniqueName } from "../ir/graph.js";
import type { Node } from "../ir/ops.js";
import type { Tensor } from "../ir/tensor.js";
import { realValues, roundHalfAway } from "../runtime/quant-math.js";
import { activationParams } from "./params.js";
import type { ConstantsContext } from "./quant-rule.js";

/**
 * The default rule for constant operands (an Add's constant term, a Mul's scale): each float constant is
 * quantized per tensor like an activation of the node's width, over its own range widened to contain 0.
 */
export function quantizeConstantOperands(node: Node, { graph, bits }: ConstantsContext): void {
  node.inputs = node.inputs.map((name) => {
    if (name === "") return name;
    const t = graph.tensors.get(name) as Tensor;
    if (!t.data || t.quant || !t.dtype.startsWith("float")) return name;
    const real = realValues(t);
    let lo = 0;
    let hi = 0;
    for (const v of real) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    const quant = activationParams(lo, hi, bits);
    const [qmin, qmax] = bits === 16 ? [-32768, 32767] : [-128, 127];
    const s = quant.scale[0] as number;
    const z = quant.zeroPoint[0] as number;
    const q = Array.from(real, (v) => Math.min(qmax, Math.max(qmin, roundHalfAway(v / s) + z)));
    const qName = uniqueName(graph, `${name}_q`);
    graph.tensors.set(qName, {
      name: qName,
      dtype: bits === 16 ? "int16" : "int8",
      shape: [...t.shape],
      data: bits === 16 ? Int16Array.from(q) : Int8Array.from(q),
      quant,
    });
    return qName;
  });
}
