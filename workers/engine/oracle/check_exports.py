#!/usr/bin/env python3
"""Checks that exported `.tflite` models load and agree in LiteRT's builtin kernels, LiteRT's reference kernels and
TensorFlow Lite Micro, and prints one JSON object.

    .venv/bin/python workers/engine/oracle/check_exports.py MANIFEST.json [--op-samples K]

MANIFEST.json: {"cases": [{"name": ..., "model": M.tflite, "data": D.npz, "key": "x", "limit": N, "interpreters":
[...]}, ...]} ("key", "limit" and "interpreters" optional). Samples are fed as run_tflite.py feeds them (float
samples quantized with the input's scale and zero point, rounding half away from zero). "interpreters" (default
litert-builtin, litert-ref, tflm) lists those the case must load in; the last is the reference the others are
compared with (TFLite Micro by default; an fp16 model, which TFLite Micro cannot run (its DEQUANTIZE takes no
float16), lists the two LiteRT resolvers).

Each case is checked three ways:
1. Load: the model loads and runs in each interpreter (LiteRT without its default XNNPACK delegate, so that its own
   kernels run: the builtin resolver's optimized kernels and BUILTIN_REF's reference kernels).
2. Op by op: every operator alone (a one-operator model cut from the file), fed the reference's own values of its
   inputs on the first K samples, gives the reference's output bytes in the other interpreters, except where LiteRT's
   kernels use other arithmetic than TFLite's fixed point (ONE_STEP); there they are at most one step apart:
   - LiteRT's reference FULLY_CONNECTED (int8 in BUILTIN_REF, int16 in both resolvers) rescales the accumulator in
     double precision, round(acc * s_in * s_w / s_out) (kernels/internal/reference/integer_ops/fully_connected.h),
     where TFLite Micro multiplies by the quantized multiplier and rounds twice;
   - LiteRT's optimized int8 CONV_2D, FULLY_CONNECTED and MEAN (the builtin resolver) requantize with a rounding of
     their own: near-ties land one step off TFLite Micro's.
   The TF converter's own models (ad01_int8, codegen_zoo_int8) show the same differences. Float outputs (fp16
   models) agree within a relative 1e-5 (summation order differs between kernels).
3. Whole model: two interpreters' raw output bytes over all samples (sha256, as run_tflite.py computes them) are
   identical (floats: within 1e-5) when the model has no operator either of them computes differently; otherwise
   the largest difference and the top-1 agreement are reported (a one-step difference grows through later layers).

Output: {"ok", "cases": [{"name", "model", "samples", "ok", "problems": [...], "interpreters": {NAME: {"loaded",
"error", "outputs_sha256"}}, "whole_model": {PAIR: {"identical", "max_difference", "top1_agreement"}},
"ops": [{"index", "op", "max_difference": {NAME: d}}]}]}. Exit status 1 when a case fails.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

sys.dont_write_bytecode = True  # no __pycache__ beside the sources
sys.path.insert(0, str(Path(__file__).resolve().parent))
from dataset import load_dataset  # noqa: E402
from run_tflite import TensorInfo  # noqa: E402

LITERT = {"litert-builtin": "BUILTIN_WITHOUT_DEFAULT_DELEGATES", "litert-ref": "BUILTIN_REF"}
TFLM = "tflm"
INTERPRETERS = [*LITERT, TFLM]
# The operators each interpreter computes with other arithmetic than TFLite Micro's (see the module's docstring):
# alone, they may give outputs one quantization step from TFLite Micro's.
ONE_STEP = {
    "litert-builtin": {"CONV_2D", "FULLY_CONNECTED", "MEAN"},
    "litert-ref": {"FULLY_CONNECTED"},
    TFLM: set(),
}
FLOAT_RELATIVE_TOLERANCE = 1e-5


def _info(details: dict) -> TensorInfo:
    q = details["quantization_parameters"]
    return TensorInfo(details["dtype"], details["shape"], q["scales"], q["zero_points"])


class LiteRt:
    """One model in LiteRT with one op resolver, fed and read by position (the subgraph's inputs and outputs)."""

    def __init__(self, model: bytes, resolver: str) -> None:
        from ai_edge_litert.interpreter import Interpreter, OpResolverType

        self._it = Interpreter(
            model_content=model,
            experimental_op_resolver_type=getattr(OpResolverType, resolver),
            experimental_preserve_all_tensors=True,
        )
        self._it.allocate_tensors()
        self._inputs = self._it.get_input_details()
        self._outputs = self._it.get_output_details()
        self.inputs = [_info(d) for d in self._inputs]

    def run(self, values: list[np.ndarray]) -> list[np.ndarray]:
        for d, v in zip(self._inputs, values, strict=True):
            self._it.set_tensor(d["index"], v.reshape(d["shape"]).astype(d["dtype"]))
        self._it.invoke()
        return [self._it.get_tensor(d["index"]).copy() for d in self._outputs]

    def tensor(self, index: int) -> np.ndarray:
        return self._it.get_tensor(index).copy()


class Tflm:
    """One model in TensorFlow Lite Micro (reference kernels), every tensor kept for reading after a run."""

    def __init__(self, model: bytes, inputs: int, outputs: int) -> None:
        import tflite_micro

        runtime = tflite_micro.runtime
        self._it = runtime.Interpreter.from_bytes(
            model,
            arena_size=max(10 * len(model), 4 << 20),
            intrepreter_config=runtime.InterpreterConfig.kPreserveAllTensors,
        )
        self.inputs = [_info(self._it.get_input_details(i)) for i in range(inputs)]
        self._outputs = outputs

    def run(self, values: list[np.ndarray]) -> list[np.ndarray]:
        for i, (info, v) in enumerate(zip(self.inputs, values, strict=True)):
            self._it.set_input(v.reshape(info.shape).astype(info.dtype), i)
        self._it.invoke()
        return [np.array(self._it.get_output(i), copy=True) for i in range(self._outputs)]

    def tensor(self, index: int) -> np.ndarray:
        return np.array(self._it.GetTensor(index, 0)["tensor_data"], copy=True)


def open_interpreter(name: str, model: bytes, inputs: int, outputs: int) -> LiteRt | Tflm:
    return Tflm(model, inputs, outputs) if name == TFLM else LiteRt(model, LITERT[name])


def difference(a: np.ndarray, b: np.ndarray) -> float:
    """Largest difference in quantization steps (integers), or relative to the largest magnitude (floats)."""
    if a.shape != b.shape:
        return float("inf")
    if a.size == 0:
        return 0.0
    if np.issubdtype(a.dtype, np.floating):
        scale = max(float(np.max(np.abs(b))), 1e-30)
        return float(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64)))) / scale
    return float(np.max(np.abs(a.astype(np.int64) - b.astype(np.int64))))


class ExportedModel:
    """A .tflite parsed with LiteRT's flatbuffer object API, to name its operators and cut one-operator models."""

    def __init__(self, data: bytes) -> None:
        from ai_edge_litert import schema_py_generated as schema

        self.schema = schema
        self.model = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(bytearray(data), 0))
        self.graph = self.model.subgraphs[0]
        names = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}
        codes = self.model.operatorCodes
        self.op_names = [
            names[max(codes[op.opcodeIndex].builtinCode, codes[op.opcodeIndex].deprecatedBuiltinCode)]
            for op in self.graph.operators
        ]

    def is_constant(self, tensor: int) -> bool:
        data = self.model.buffers[self.graph.tensors[tensor].buffer].data
        return data is not None and len(data) > 0

    def single_op(self, index: int) -> tuple[bytes, list[int], list[int]]:
        """The model holding operator `index` alone; its inputs (the operator's non-constant inputs, in order) and
        outputs as tensor indices of the whole model."""
        import flatbuffers

        model = copy.deepcopy(self.model)
        graph = model.subgraphs[0]
        op = graph.operators[index]
        op_inputs = [int(t) for t in op.inputs]
        op_outputs = [int(t) for t in op.outputs]
        kept = sorted({t for t in op_inputs + op_outputs if t >= 0})
        renumber = {old: new for new, old in enumerate(kept)}
        feeds = list(dict.fromkeys(t for t in op_inputs if t >= 0 and not self.is_constant(t)))
        graph.tensors = [graph.tensors[t] for t in kept]
        op.inputs = [renumber[t] if t >= 0 else -1 for t in op_inputs]
        op.outputs = [renumber[t] for t in op_outputs]
        graph.operators = [op]
        graph.inputs = [renumber[t] for t in feeds]
        graph.outputs = list(op.outputs)
        model.subgraphs = [graph]
        model.signatureDefs = None
        builder = flatbuffers.Builder(1024)
        builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
        return bytes(builder.Output()), feeds, op_outputs


def samples_for(case: dict, inputs: list[TensorInfo]) -> np.ndarray:
    data = load_dataset(case["data"], case.get("key", "x"), case.get("limit"))
    inp = inputs[0]
    if data.x.dtype == inp.dtype:
        return data.x
    if np.issubdtype(data.x.dtype, np.floating) and inp.quantized:
        return inp.quantize(data.x.astype(np.float32))
    return data.x.astype(np.float32)


def whole_model(outputs: dict[str, list[list[np.ndarray]]]) -> dict:
    """Pairwise agreement of the interpreters' outputs over all samples."""
    pairs = {}
    names = list(outputs)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            firsts = [np.stack([o[0] for o in outputs[x]]).reshape(len(outputs[x]), -1) for x in (a, b)]
            tensors = [(p, q) for s, t in zip(outputs[a], outputs[b], strict=True) for p, q in zip(s, t, strict=True)]
            pairs[f"{a}~{b}"] = {
                "identical": all(np.array_equal(p, q) for p, q in tensors),
                "max_difference": max(difference(p, q) for p, q in tensors),
                "top1_agreement": float(np.mean(np.argmax(firsts[0], 1) == np.argmax(firsts[1], 1))),
            }
    return pairs


def op_by_op(
    model: ExportedModel, interpreters: list[str], reference: dict[int, np.ndarray] | list
) -> tuple[list[dict], list[str]]:
    """Each operator alone in every interpreter, fed the reference interpreter's values of its inputs (see the
    docstring); the reference is the last of `interpreters` (TFLite Micro unless the case leaves it out)."""
    report, problems = [], []
    reference_name = interpreters[-1]
    for index, name in enumerate(model.op_names):
        data, feeds, outs = model.single_op(index)
        entry: dict = {"index": index, "op": name, "max_difference": {}}
        for interpreter in interpreters:
            try:
                alone = open_interpreter(interpreter, data, len(feeds), len(outs))
                got = [alone.run([sample[t] for t in feeds]) for sample in reference]
            except (RuntimeError, ValueError) as e:
                problems.append(f"op {index} ({name}) alone does not run in {interpreter}: {e}")
                continue
            worst = max(
                difference(g, sample[t].reshape(g.shape))
                for sample, outputs in zip(reference, got, strict=True)
                for g, t in zip(outputs, outs, strict=True)
            )
            entry["max_difference"][interpreter] = worst
            floats = any(np.issubdtype(g.dtype, np.floating) for outputs in got for g in outputs)
            inexact = name in ONE_STEP[interpreter] | ONE_STEP[reference_name]
            allowed = FLOAT_RELATIVE_TOLERANCE if floats else (1 if inexact and interpreter != reference_name else 0)
            if worst > allowed:
                problems.append(
                    f"op {index} ({name}) in {interpreter}: {worst:g} off {reference_name}'s (allowed {allowed:g})"
                )
        report.append(entry)
    return report, problems


def run_all(case: dict, model: ExportedModel, runs: dict, op_samples: int, result: dict) -> dict | None:
    """Every sample through every interpreter; the reference interpreter's tensors of the first `op_samples`."""
    reference = runs[case["interpreters"][-1]]
    x = samples_for(case, reference.inputs)
    result["samples"] = len(x)
    outputs: dict[str, list[list[np.ndarray]]] = {name: [] for name in runs}
    tensors: list[dict[int, np.ndarray]] = []
    wanted = {int(t) for op in model.graph.operators for t in [*op.inputs, *op.outputs] if t >= 0}
    for i, sample in enumerate(x):
        for name, interpreter in runs.items():
            try:
                outputs[name].append(interpreter.run([sample]))
            except (RuntimeError, ValueError) as e:
                result["problems"].append(f"{name} fails on sample {i}: {e}")
                return None
        if i < op_samples:
            values = {t: reference.tensor(t) for t in wanted if not model.is_constant(t)}
            values[int(model.graph.inputs[0])] = sample
            tensors.append(values)
    for name, outs in outputs.items():
        digest = hashlib.sha256()
        for sample_outputs in outs:
            for tensor in sample_outputs:
                digest.update(np.ascontiguousarray(tensor).tobytes())
        result["interpreters"][name]["outputs_sha256"] = digest.hexdigest()
    return {"outputs": outputs, "tensors": tensors}


def check_case(case: dict, op_samples: int) -> dict:
    case = {"interpreters": INTERPRETERS, **case}
    data = Path(case["model"]).read_bytes()
    model = ExportedModel(data)
    n_in, n_out = len(model.graph.inputs), len(model.graph.outputs)
    result: dict = {"name": case["name"], "model": case["model"], "interpreters": {}, "problems": []}
    runs: dict[str, LiteRt | Tflm] = {}
    for name in case["interpreters"]:
        try:
            runs[name] = open_interpreter(name, data, n_in, n_out)
            result["interpreters"][name] = {"loaded": True, "error": None}
        except (RuntimeError, ValueError) as e:
            result["interpreters"][name] = {"loaded": False, "error": str(e)}
            result["problems"].append(f"{name} does not load the model: {e}")
    if n_in != 1:
        result["problems"].append(f"{n_in} inputs; the oracle feeds models with one input")
    ran = (
        run_all(case, model, runs, op_samples, result) if len(runs) == len(case["interpreters"]) and n_in == 1 else None
    )
    if ran is None:
        result["ok"] = False
        return result
    result["ops"], problems = op_by_op(model, case["interpreters"], ran["tensors"])
    result["problems"] += problems
    result["whole_model"] = whole_model(ran["outputs"])
    floats = any(np.issubdtype(o.dtype, np.floating) for outs in ran["outputs"].values() for o in outs[0])
    for pair, agreement in result["whole_model"].items():
        inexact = set().union(*(ONE_STEP[name] for name in pair.split("~"))) & set(model.op_names)
        exact = agreement["max_difference"] <= FLOAT_RELATIVE_TOLERANCE if floats else agreement["identical"]
        if not inexact and not exact:
            result["problems"].append(
                f"{pair}: outputs differ (by up to {agreement['max_difference']:g}) although every op must agree"
            )
    result["ok"] = not result["problems"]
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("manifest", type=Path)
    parser.add_argument("--op-samples", type=int, default=4, help="samples each operator alone is checked on")
    args = parser.parse_args(argv)
    cases = json.loads(args.manifest.read_text())["cases"]
    results = [check_case(case, args.op_samples) for case in cases]
    print(json.dumps({"ok": all(r["ok"] for r in results), "cases": results}))
    return 0 if all(r["ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
