#!/usr/bin/env python3
"""Runs a `.tflite` model on every sample of an `.npz` under TensorFlow Lite (ai-edge-litert) or TensorFlow Lite
Micro (the `tflite-micro` Python interpreter) and prints one JSON object (see oracle_result.py).

    .venv/bin/python workers/engine/oracle/run_tflite.py MODEL.tflite DATA.npz --interpreter litert|tflm \
        [--key x] [--limit N] [--dump-outputs OUT.npy] [--op-resolver auto|builtin|ref] [--arena-size BYTES]

Inputs: samples whose dtype is the input tensor's (int8 data for an int8 model) are passed as they are; float
samples given to an int8 or int16 input are quantized with that tensor's scale and zero point the way TFLite's
QUANTIZE kernel does it: q = clamp(round(x / scale) + zero_point), rounding half away from zero, in float32.
Outputs: int8/int16 outputs are dequantized, (q - zero_point) * scale, for predictions, mse and --dump-outputs;
outputs_sha256 covers the raw bytes as the interpreter produced them.

Each sample is one invocation with batch 1, in order; the interpreter is not reset between samples (as on a
device), which matters only for models with state (variables).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.dont_write_bytecode = True  # no __pycache__ beside the sources
sys.path.insert(0, str(Path(__file__).resolve().parent))
from dataset import load_dataset  # noqa: E402
from oracle_result import oracle_result, print_result  # noqa: E402

INTEGER_LIMITS = {np.dtype(np.int8): (-128, 127), np.dtype(np.int16): (-32768, 32767), np.dtype(np.uint8): (0, 255)}


class TensorInfo:
    def __init__(self, dtype, shape, scales, zero_points) -> None:
        self.dtype = np.dtype(dtype)
        self.shape = [int(d) for d in shape]
        self.scale = float(scales[0]) if len(scales) else 0.0
        self.zero_point = int(zero_points[0]) if len(zero_points) else 0

    @property
    def quantized(self) -> bool:
        return self.dtype in INTEGER_LIMITS and self.scale != 0.0

    def quantize(self, x: np.ndarray) -> np.ndarray:
        v = x.astype(np.float32) / np.float32(self.scale)
        rounded = np.sign(v) * np.floor(np.abs(v) + np.float32(0.5))
        lo, hi = INTEGER_LIMITS[self.dtype]
        return np.clip(rounded + self.zero_point, lo, hi).astype(self.dtype)

    def dequantize(self, q: np.ndarray) -> np.ndarray:
        if not self.quantized:
            return q.astype(np.float32)
        return ((q.astype(np.float32) - np.float32(self.zero_point)) * np.float32(self.scale)).astype(np.float32)

    def describe(self) -> dict:
        info: dict = {"dtype": self.dtype.name, "shape": self.shape}
        if self.quantized:
            info.update(scale=self.scale, zero_point=self.zero_point)
        return info


def _info(details: dict) -> TensorInfo:
    q = details["quantization_parameters"]
    return TensorInfo(details["dtype"], details["shape"], q["scales"], q["zero_points"])


class LiteRtRunner:
    """TensorFlow Lite through ai-edge-litert. `auto` is what a TFLite user gets (XNNPACK delegate for the ops
    it takes), `builtin` the optimized kernels without delegate, `ref` the reference kernels."""

    def __init__(self, model: Path, op_resolver: str, arena_size: int | None) -> None:
        from ai_edge_litert.interpreter import Interpreter, OpResolverType

        resolver = {
            "auto": OpResolverType.AUTO,
            "builtin": OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES,
            "ref": OpResolverType.BUILTIN_REF,
        }[op_resolver]
        self.name = "litert" if op_resolver == "auto" else f"litert-{op_resolver}"
        self._interpreter = Interpreter(model_path=str(model), experimental_op_resolver_type=resolver)
        self._interpreter.allocate_tensors()
        self._inputs = self._interpreter.get_input_details()
        self._outputs = self._interpreter.get_output_details()
        self.inputs = [_info(d) for d in self._inputs]
        self.outputs = [_info(d) for d in self._outputs]

    def run(self, sample: np.ndarray) -> list[np.ndarray]:
        self._interpreter.set_tensor(self._inputs[0]["index"], sample)
        self._interpreter.invoke()
        return [self._interpreter.get_tensor(d["index"]).copy() for d in self._outputs]


class TflmRunner:
    """TensorFlow Lite Micro's reference kernels through the `tflite-micro` package's Python interpreter."""

    name = "tflm"

    def __init__(self, model: Path, op_resolver: str, arena_size: int | None) -> None:
        import tflite_micro

        data = model.read_bytes()
        # The interpreter's own default arena is 10x the model size, too small for models whose activations
        # outweigh their weights; host memory is cheap here, a device would size it exactly.
        arena = arena_size or max(10 * len(data), 4 << 20)
        self._interpreter = tflite_micro.runtime.Interpreter.from_bytes(data, arena_size=arena)
        subgraph = tflite_micro.runtime.convert_bytearray_to_object(bytearray(data)).subgraphs[0]
        self.inputs = [_info(self._interpreter.get_input_details(i)) for i in range(len(subgraph.inputs))]
        self.outputs = [_info(self._interpreter.get_output_details(i)) for i in range(len(subgraph.outputs))]

    def run(self, sample: np.ndarray) -> list[np.ndarray]:
        self._interpreter.set_input(sample, 0)
        self._interpreter.invoke()
        return [np.array(self._interpreter.get_output(i), copy=True) for i in range(len(self.outputs))]


RUNNERS = {"litert": LiteRtRunner, "tflm": TflmRunner}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", type=Path)
    parser.add_argument("data", type=Path)
    parser.add_argument("--interpreter", choices=sorted(RUNNERS), default="litert")
    parser.add_argument("--key", default="x", help="array of DATA holding the samples (default x)")
    parser.add_argument("--limit", type=int, help="first N samples only")
    parser.add_argument("--dump-outputs", type=Path, help="write the first output, dequantized, as (N, ...) .npy")
    parser.add_argument("--op-resolver", choices=["auto", "builtin", "ref"], default="auto", help="litert only")
    parser.add_argument("--arena-size", type=int, help="tflm tensor arena in bytes")
    args = parser.parse_args(argv)

    data = load_dataset(args.data, args.key, args.limit)
    if not args.model.is_file():
        raise SystemExit(f"{args.model}: no such model file")
    try:
        runner = RUNNERS[args.interpreter](args.model, args.op_resolver, args.arena_size)
    except (RuntimeError, ValueError) as e:
        raise SystemExit(f"{args.interpreter} could not load {args.model}: {e}") from None
    if len(runner.inputs) != 1:
        raise SystemExit(f"{args.model}: {len(runner.inputs)} inputs; the oracle feeds models with one input")
    inp = runner.inputs[0]
    per_sample = int(np.prod(inp.shape[1:]))
    if data.x[0].size != per_sample:
        raise SystemExit(
            f"{args.data}: a sample of {args.key} has shape {list(data.x.shape[1:])} ({data.x[0].size} values); "
            f"the model's input {inp.shape} takes {per_sample}"
        )

    if data.x.dtype == inp.dtype:
        x_model = data.x
        x_float = inp.dequantize(data.x) if inp.quantized else data.x.astype(np.float32)
    elif np.issubdtype(data.x.dtype, np.floating) and inp.quantized:
        x_float = data.x.astype(np.float32)
        x_model = inp.quantize(x_float)
    elif np.issubdtype(data.x.dtype, np.floating) and inp.dtype == np.float32:
        x_float = data.x.astype(np.float32)
        x_model = x_float
    else:
        raise SystemExit(
            f"{args.data}: {args.key} is {data.x.dtype} but the model's input is {inp.dtype.name}"
            f"{' (quantized)' if inp.quantized else ''}: give float samples, or samples of the input's dtype"
        )

    raw: list[list[np.ndarray]] = []
    started = time.monotonic()
    for sample in x_model:
        raw.append(runner.run(sample.reshape(inp.shape)))
    seconds = time.monotonic() - started

    first = runner.outputs[0]
    outputs = np.stack(
        [first.dequantize(o[0]).reshape(o[0].shape[1:] if o[0].shape[0] == 1 else o[0].shape) for o in raw]
    )
    if args.dump_outputs:
        np.save(args.dump_outputs, outputs)
    print_result(
        oracle_result(
            interpreter=runner.name,
            model=os.fspath(args.model),
            data=data,
            x_float=x_float,
            raw_outputs=raw,
            outputs=outputs,
            seconds=seconds,
            extra={"input": inp.describe(), "output": first.describe()},
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
