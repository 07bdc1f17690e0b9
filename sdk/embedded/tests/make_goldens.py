#!/usr/bin/env python3
"""Writes the golden test vectors of sdk/embedded: every kernel's expected output bytes as TensorFlow Lite
Micro's reference kernels compute them.

    .venv/bin/python sdk/embedded/tests/make_goldens.py [--out .tmp/embedded-goldens] [--fixtures ../shared/fixtures]
        [--quick]

Where the vectors come from (nothing here runs our own C code):
  1. Single-op models: tiny Keras models with random shapes, strides, padding, dilations, depth multipliers,
     activations, converted by TensorFlow's converter to int8 (and to int16x8) with random representative
     data, so the quantization parameters (zero points, per-channel scales) are the converter's. Float I/O, so
     each model also holds a QUANTIZE (float -> int) and a DEQUANTIZE.
  2. Every layer of the fixture models (MLPerf Tiny KWS, AD, SWW; TFLM person_detect, hello_world) on a real
     input.
Each model runs once in the TFLM Python interpreter (reference kernels) with kPreserveAllTensors; every
operator of the model whose kernel the runtime has becomes one vector: its parameters read from the
flatbuffer (shapes, options, quantization), the multipliers and shifts computed here with TFLite's exact rules
(QuantizeMultiplier and the Prepare functions of TFLM's kernels), its input tensors and its output tensor as
TFLM left them.

Format: one file per vector, a sequence of records [name: 24 bytes ASCII, NUL padded][type: int32][count:
int32][count elements, little-endian], type 0 int8, 1 int16, 2 int32, 3 int64, 4 float32. Each op directory has
index.txt listing its files; summary.json counts vectors per op and lists the operators skipped and why.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import struct
import sys
from pathlib import Path

sys.dont_write_bytecode = True
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import numpy as np  # noqa: E402
from golden_cases import random_cases  # noqa: E402
from golden_ops import HANDLERS  # noqa: E402
from golden_quant import Unsupported  # noqa: E402
from golden_tflite import Model  # noqa: E402

ROOT = Path(__file__).resolve().parents[3]
SEED = 20261125

TYPE_CODES = {
    np.dtype(np.int8): 0,
    np.dtype(np.int16): 1,
    np.dtype(np.int32): 2,
    np.dtype(np.int64): 3,
    np.dtype(np.float32): 4,
}


# --------------------------------------------------------------------------------------------------------------
# Running a model in TFLM and writing its operators' vectors.
# --------------------------------------------------------------------------------------------------------------
class Writer:
    def __init__(self, out: Path) -> None:
        self.out = out
        self.counts: dict[str, int] = {}
        self.skipped: list[str] = []
        self.index: dict[str, list[str]] = {}

    def write(self, kernel: str, case: str, fields: dict[str, np.ndarray]) -> None:
        d = self.out / kernel
        d.mkdir(parents=True, exist_ok=True)
        name = f"{case}.bin"
        with open(d / name, "wb") as f:
            for key, value in fields.items():
                arr = np.ascontiguousarray(value)
                if arr.dtype not in TYPE_CODES:
                    raise Unsupported(f"field {key} of type {arr.dtype}")
                f.write(key.encode().ljust(24, b"\0"))
                f.write(struct.pack("<ii", TYPE_CODES[arr.dtype], arr.size))
                f.write(arr.astype(arr.dtype.newbyteorder("<")).tobytes())
        self.index.setdefault(kernel, []).append(name)
        self.counts[kernel] = self.counts.get(kernel, 0) + 1

    def finish(self) -> None:
        for kernel, names in self.index.items():
            (self.out / kernel / "index.txt").write_text("".join(f"{n}\n" for n in names))
        (self.out / "kernels.txt").write_text("".join(f"{k}\n" for k in sorted(self.index)))
        summary = {
            "vectors": dict(sorted(self.counts.items())),
            "total": sum(self.counts.values()),
            "skipped": self.skipped,
        }
        (self.out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")


def run_tflm(model_bytes: bytes, inputs: list[np.ndarray]):
    from tflite_micro.python.tflite_micro import runtime

    interp = runtime.Interpreter.from_bytes(
        model_bytes,
        arena_size=max(64 * 1024, 16 * len(model_bytes)) + 4 * 1024 * 1024,
        intrepreter_config=runtime.InterpreterConfig.kPreserveAllTensors,
    )
    for i, x in enumerate(inputs):
        interp.set_input(x, i)
    interp.invoke()
    return interp


def extract(writer: Writer, model_bytes: bytes, inputs: list[np.ndarray], prefix: str) -> None:
    m = Model(model_bytes)
    # The converter may order a model's inputs differently from the Keras model's: match them by shape.
    pending = list(inputs)
    ordered = []
    for k in range(m.graph.InputsLength()):
        want = tuple(m.shape(m.graph.Inputs(k)))
        pick = next((j for j, x in enumerate(pending) if tuple(x.shape) == want), 0)
        ordered.append(pending.pop(pick))
    inputs = ordered
    interp = run_tflm(model_bytes, inputs)
    tensors = {}
    for i in range(m.graph.TensorsLength()):
        constant = m.constant(i)
        if constant is not None:  # weights, biases, paddings: the flatbuffer's own bytes
            tensors[i] = constant
            continue
        # Tensors the interpreter has freed (intermediates it reuses) cannot be read: they stay absent.
        with contextlib.suppress(Exception):
            tensors[i] = np.array(interp.GetTensor(i, 0)["tensor_data"]).reshape(m.shape(i) or [-1])
    for idx, name, op in m.ops():
        handler = HANDLERS.get(name)
        if handler is None:
            writer.skipped.append(f"{prefix} op {idx} {name}: no kernel")
            continue
        try:
            kernel, fields = handler(m, op, tensors)
            # Only test activations TFLM actually computed (a constant input is data in the flatbuffer).
            writer.write(kernel, f"{prefix}_op{idx:02d}", fields)
        except Unsupported as e:
            writer.skipped.append(f"{prefix} op {idx} {name}: {e}")


# --------------------------------------------------------------------------------------------------------------
# Random single-op models.
# --------------------------------------------------------------------------------------------------------------
def convert(keras_model, input_shapes, rng, int16: bool, per_channel_dense: bool = False) -> bytes:
    import tensorflow as tf

    def representative():
        for _ in range(8):
            scale = rng.uniform(0.5, 4.0)
            offset = rng.uniform(-1.0, 1.0)
            yield [(rng.standard_normal(s) * scale + offset).astype(np.float32) for s in input_shapes]

    conv = tf.lite.TFLiteConverter.from_keras_model(keras_model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = representative
    # Per-tensor FULLY_CONNECTED weights, as the engine's quantizer makes them (TF 2.21 defaults to per-channel).
    conv._experimental_disable_per_channel_quantization_for_dense_layers = not per_channel_dense
    if int16:
        conv.target_spec.supported_ops = [tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8]
    else:
        conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    return conv.convert()


def random_models(writer: Writer, quick: bool) -> None:
    import tensorflow as tf

    tf.random.set_seed(SEED)
    tf.keras.utils.set_random_seed(SEED)
    rng = np.random.default_rng(SEED)
    for name, build, shapes in random_cases(rng, quick):
        for int16 in (False, True):
            keras_model = build()
            # Non-zero biases so that the bias path is exercised.
            for layer in keras_model.layers:
                ws = layer.get_weights()
                if len(ws) == 2:
                    layer.set_weights([ws[0], rng.standard_normal(ws[1].shape).astype(np.float32) * 0.5])
            try:
                data = convert(keras_model, shapes, rng, int16, per_channel_dense=name.startswith("fcpc"))
            except Exception as e:
                writer.skipped.append(f"{name}{'_16x8' if int16 else ''}: converter refused ({type(e).__name__})")
                continue
            scale = rng.uniform(0.5, 4.0)
            inputs = [(rng.standard_normal(s) * scale).astype(np.float32) for s in shapes]
            try:
                extract(writer, data, inputs, f"{name}_{'16x8' if int16 else 'int8'}")
            except (RuntimeError, ValueError) as e:
                writer.skipped.append(f"{name}: TFLM refused ({e})")


# --------------------------------------------------------------------------------------------------------------
# Fixture models: every layer on a real input.
# --------------------------------------------------------------------------------------------------------------
def quantize_input(x: np.ndarray, scale: float, zp: int, dtype) -> np.ndarray:
    v = x.astype(np.float32) / np.float32(scale)
    r = np.sign(v) * np.floor(np.abs(v) + np.float32(0.5))
    info = np.iinfo(dtype)
    return np.clip(r + zp, info.min, info.max).astype(dtype)


def requantize_models(writer: Writer, rng) -> None:
    """QUANTIZE between integer types (the mixed-precision casts), which TF's converter does not emit: a converted
    float -> QUANTIZE -> LOGISTIC -> DEQUANTIZE model is edited with the flatbuffer object API so that its middle
    operator becomes a QUANTIZE to another type or scale, then run in TFLM like every other model."""
    import flatbuffers
    import tensorflow as tf
    from tensorflow.lite.python import schema_py_generated as fb

    L = tf.keras.layers
    cases = [
        ("int8", np.int8, fb.TensorType.INT16, 1.0 / 4096, 0),
        ("16x8", np.int16, fb.TensorType.INT8, 0.02, -7),
        ("int8", np.int8, fb.TensorType.INT8, 0.06, 5),
        ("16x8", np.int16, fb.TensorType.INT16, 1.0 / 2000, 0),
    ]
    for k, (flavour, _, out_type, out_scale, out_zp) in enumerate(cases):
        shape = (1, 64)
        inp = tf.keras.Input(shape=shape[1:], batch_size=1)
        keras_model = tf.keras.Model(inp, L.Activation("sigmoid")(inp))
        data = convert(keras_model, [shape], rng, flavour == "16x8")
        model = fb.ModelT.InitFromObj(fb.Model.GetRootAs(data, 0))
        graph = model.subgraphs[0]
        codes = [max(c.builtinCode, c.deprecatedBuiltinCode) for c in model.operatorCodes]
        quantize_index = codes.index(fb.BuiltinOperator.QUANTIZE)
        middle = next(op for op in graph.operators if codes[op.opcodeIndex] == fb.BuiltinOperator.LOGISTIC)
        middle.opcodeIndex = quantize_index
        middle.builtinOptionsType = fb.BuiltinOptions.NONE
        middle.builtinOptions = None
        out = graph.tensors[middle.outputs[0]]
        out.type = out_type
        out.quantization.scale = [out_scale]
        out.quantization.zeroPoint = [out_zp]
        builder = flatbuffers.Builder(1024)
        builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
        x = (rng.standard_normal(shape) * 3.0).astype(np.float32)
        try:
            extract(writer, bytes(builder.Output()), [x], f"requantize{k}_{flavour}")
        except (RuntimeError, ValueError) as e:
            writer.skipped.append(f"requantize{k}: TFLM refused ({e})")


def softmax_int16_output_models(writer: Writer, rng) -> None:
    """SOFTMAX with int8 input and int16 output (TFLM supports it; the converter makes int8 -> int8): a converted
    int8 softmax model whose output tensor is retyped to int16 with scale 1/65536, zero point -32768."""
    import flatbuffers
    import tensorflow as tf
    from tensorflow.lite.python import schema_py_generated as fb

    for k in range(2):
        shape = (1, 1 + k, int(rng.integers(5, 60)))
        inp = tf.keras.Input(shape=shape[1:], batch_size=1)
        data = convert(tf.keras.Model(inp, tf.keras.layers.Softmax()(inp)), [shape], rng, False)
        model = fb.ModelT.InitFromObj(fb.Model.GetRootAs(data, 0))
        graph = model.subgraphs[0]
        codes = [max(c.builtinCode, c.deprecatedBuiltinCode) for c in model.operatorCodes]
        op = next(op for op in graph.operators if codes[op.opcodeIndex] == fb.BuiltinOperator.SOFTMAX)
        out = graph.tensors[op.outputs[0]]
        out.type = fb.TensorType.INT16
        out.quantization.scale = [1.0 / 65536]  # what TFLite requires of an int16 softmax output of int8
        out.quantization.zeroPoint = [-32768]
        builder = flatbuffers.Builder(1024)
        builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
        x = (rng.standard_normal(shape) * 2.0).astype(np.float32)
        try:
            extract(writer, bytes(builder.Output()), [x], f"softmax_s8_s16_{k}")
        except (RuntimeError, ValueError) as e:
            writer.skipped.append(f"softmax_s8_s16_{k}: TFLM refused ({e})")


def fixture_models(writer: Writer, fixtures: Path) -> None:
    def load(rel: str) -> bytes:
        return (fixtures / rel).read_bytes()

    kws = load("mlperf-tiny/kws/kws_ref_model.tflite")
    x = np.frombuffer(load("mlperf-tiny/kws/kws_input_data_int8_49x10.bin"), dtype=np.int8).reshape(1, 49, 10, 1)
    extract(writer, kws, [x], "kws")

    person = load("tflite-micro/person_detection/person_detect.tflite")
    for label in ("person", "no_person"):
        raw = np.frombuffer(load(f"tflite-micro/person_detection/testdata/{label}_int8_96x96x1.raw"), dtype=np.int8)
        extract(writer, person, [raw.reshape(1, 96, 96, 1)], f"person_detect_{label}")

    ad = load("mlperf-tiny/ad/ad01_int8.tflite")
    clip = np.frombuffer(load("mlperf-tiny/ad/normal_id_01_00000000_hist_librosa.bin"), dtype="<f4")
    m = Model(ad)
    xi = m.graph.Inputs(0)
    window = clip[:640].reshape(1, 640)
    extract(writer, ad, [quantize_input(window, m.scale(xi), m.zero_point(xi), m.dtype(xi))], "ad01")

    hello = load("tflite-micro/hello_world/hello_world_int8.tflite")
    m = Model(hello)
    xi = m.graph.Inputs(0)
    extract(
        writer,
        hello,
        [quantize_input(np.array([[1.5]], np.float32), m.scale(xi), m.zero_point(xi), m.dtype(xi))],
        "hello_world",
    )

    sww = load("mlperf-tiny/sww/str_ww_ref_model.tflite")
    m = Model(sww)
    xi = m.graph.Inputs(0)
    specs = np.load(fixtures / "mlperf-tiny/sww/calibration_samples.npz")["specs"]
    sample = specs[0].reshape(m.shape(xi)).astype(np.float32)
    try:
        extract(writer, sww, [quantize_input(sample, m.scale(xi), m.zero_point(xi), m.dtype(xi))], "sww")
    except RuntimeError as e:
        writer.skipped.append(f"sww: TFLM refused ({e})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / ".tmp" / "embedded-goldens")
    parser.add_argument("--fixtures", type=Path, default=ROOT.parent / "shared" / "fixtures")
    parser.add_argument("--quick", action="store_true", help="a third of the random models")
    args = parser.parse_args()
    out: Path = args.out
    if out.exists():
        for p in sorted(out.rglob("*"), reverse=True):
            p.unlink() if p.is_file() else p.rmdir()
    out.mkdir(parents=True, exist_ok=True)
    writer = Writer(out)
    fixture_models(writer, args.fixtures)
    random_models(writer, args.quick)
    requantize_models(writer, np.random.default_rng(SEED + 1))
    softmax_int16_output_models(writer, np.random.default_rng(SEED + 2))
    writer.finish()
    print(json.dumps({"vectors": writer.counts, "skipped": len(writer.skipped)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
