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
import math
import os
import struct
import sys
from pathlib import Path

sys.dont_write_bytecode = True
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import numpy as np  # noqa: E402

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
# TFLite's quantization arithmetic (tensorflow/lite/kernels/internal/quantization_util.cc, kernel_util.cc).
# --------------------------------------------------------------------------------------------------------------
def tflite_round(x: float) -> int:
    """std::round: half away from zero."""
    return math.floor(abs(x) + 0.5) * (1 if x >= 0 else -1)


def quantize_multiplier(real: float) -> tuple[int, int]:
    """QuantizeMultiplier (double): real ~= q * 2^(shift - 31), q in [2^30, 2^31)."""
    if real == 0.0:
        return 0, 0
    q, shift = math.frexp(real)
    q_fixed = tflite_round(q * (1 << 31))
    assert q_fixed <= (1 << 31)
    if q_fixed == (1 << 31):
        q_fixed //= 2
        shift += 1
    if shift < -31:
        shift = 0
        q_fixed = 0
    return q_fixed, shift


def calculate_input_radius(input_integer_bits: int, input_left_shift: int, total_signed_bits: int = 31) -> int:
    max_input_rescaled = (
        1.0
        * ((1 << input_integer_bits) - 1)
        * (1 << (total_signed_bits - input_integer_bits))
        / (1 << input_left_shift)
    )
    return math.floor(max_input_rescaled)


def activation_range(act: int, scale: float, zp: int, qmin: int, qmax: int) -> tuple[int, int]:
    """CalculateActivationRangeQuantized (float arithmetic, as TFLite does it)."""

    def q(x: float) -> int:
        return zp + tflite_round(float(np.float32(x) / np.float32(scale)))

    if act == 0:  # NONE
        return qmin, qmax
    if act == 1:  # RELU
        return max(qmin, q(0.0)), qmax
    if act == 3:  # RELU6
        return max(qmin, q(0.0)), min(qmax, q(6.0))
    if act == 2:  # RELU_N1_TO_1
        return max(qmin, q(-1.0)), min(qmax, q(1.0))
    raise Unsupported(f"fused activation {act}")


def compute_padding(stride: int, dilation: int, in_size: int, filter_size: int, out_size: int) -> int:
    """ComputePaddingWithOffset: the top/left padding."""
    effective = (filter_size - 1) * dilation + 1
    total = max(0, (out_size - 1) * stride + effective - in_size)
    return total // 2


class Unsupported(Exception):
    pass


# --------------------------------------------------------------------------------------------------------------
# Reading a .tflite flatbuffer.
# --------------------------------------------------------------------------------------------------------------
class Model:
    def __init__(self, data: bytes) -> None:
        from tensorflow.lite.python import schema_py_generated as fb

        self.fb = fb
        self.model = fb.Model.GetRootAs(data, 0)
        self.graph = self.model.Subgraphs(0)
        self.op_names = {v: k for k, v in vars(fb.BuiltinOperator).items() if not k.startswith("_")}

    def tensor(self, index: int):
        return self.graph.Tensors(index)

    def shape(self, index: int) -> list[int]:
        return [int(d) for d in self.tensor(index).ShapeAsNumpy()] if self.tensor(index).ShapeLength() else []

    def quant(self, index: int) -> tuple[list[float], list[int]]:
        q = self.tensor(index).Quantization()
        if q is None or q.ScaleLength() == 0:
            return [], []
        return [float(s) for s in q.ScaleAsNumpy()], [int(z) for z in q.ZeroPointAsNumpy()]

    def scale(self, index: int) -> float:
        return self.quant(index)[0][0]

    def zero_point(self, index: int) -> int:
        return self.quant(index)[1][0]

    def dtype(self, index: int) -> np.dtype:
        t = self.tensor(index).Type()
        tt = self.fb.TensorType
        return np.dtype(
            {
                tt.INT8: np.int8,
                tt.INT16: np.int16,
                tt.INT32: np.int32,
                tt.INT64: np.int64,
                tt.FLOAT32: np.float32,
                tt.UINT8: np.uint8,
            }.get(t, np.void)
        )

    def constant(self, index: int) -> np.ndarray | None:
        buf = self.model.Buffers(self.tensor(index).Buffer())
        if buf is None or buf.DataLength() == 0:
            return None
        return np.frombuffer(buf.DataAsNumpy().tobytes(), dtype=self.dtype(index)).reshape(self.shape(index))

    def ops(self):
        for i in range(self.graph.OperatorsLength()):
            op = self.graph.Operators(i)
            code = self.model.OperatorCodes(op.OpcodeIndex())
            builtin = max(code.BuiltinCode(), code.DeprecatedBuiltinCode())
            yield i, self.op_names.get(builtin, str(builtin)), op

    def options(self, op, cls):
        table = op.BuiltinOptions()
        if table is None:
            return None
        o = cls()
        o.Init(table.Bytes, table.Pos)
        return o


def dims4(shape: list[int]) -> list[int]:
    if len(shape) > 4:
        raise Unsupported(f"rank {len(shape)}")
    return [1] * (4 - len(shape)) + list(shape)


# --------------------------------------------------------------------------------------------------------------
# Operator -> test vector. Each handler returns (kernel name, fields) or raises Unsupported.
# --------------------------------------------------------------------------------------------------------------
def i32(*values) -> np.ndarray:
    return np.array(values, dtype=np.int32)


def suffix(dt: np.dtype) -> str:
    return {np.dtype(np.int8): "s8", np.dtype(np.int16): "s16"}.get(dt) or _raise(f"type {dt}")


def _raise(msg: str):
    raise Unsupported(msg)


def qlimits(dt: np.dtype) -> tuple[int, int]:
    info = np.iinfo(dt)
    return int(info.min), int(info.max)


def conv_like(m: Model, op, tensors, depthwise: bool):
    fb = m.fb
    o = m.options(op, fb.DepthwiseConv2DOptions if depthwise else fb.Conv2DOptions)
    x, w = op.Inputs(0), op.Inputs(1)
    b = op.Inputs(2) if op.InputsLength() > 2 else -1
    y = op.Outputs(0)
    dt = m.dtype(x)
    sfx = suffix(dt)
    if m.dtype(w) != np.int8:
        raise Unsupported(f"weights {m.dtype(w)}")
    in_dims, f_dims, out_dims = dims4(m.shape(x)), dims4(m.shape(w)), dims4(m.shape(y))
    stride = (o.StrideH(), o.StrideW())
    dil = (o.DilationHFactor(), o.DilationWFactor())
    pad = (
        (
            compute_padding(stride[0], dil[0], in_dims[1], f_dims[1], out_dims[1]),
            compute_padding(stride[1], dil[1], in_dims[2], f_dims[2], out_dims[2]),
        )
        if o.Padding() == 0
        else (0, 0)
    )
    in_scale, out_scale = m.scale(x), m.scale(y)
    w_scales, w_zps = m.quant(w)
    if any(z != 0 for z in w_zps):
        raise Unsupported("filter zero point")
    channels = out_dims[3]
    mult, shift = [], []
    for c in range(channels):
        s = w_scales[c] if len(w_scales) > 1 else w_scales[0]
        qm, sh = quantize_multiplier(float(in_scale) * float(s) / float(out_scale))
        mult.append(qm)
        shift.append(sh)
    act = activation_range(o.FusedActivationFunction(), out_scale, m.zero_point(y), *qlimits(dt))
    bias = tensors[b] if b >= 0 else None
    fields = {
        "in_dims": i32(*in_dims),
        "filter_dims": i32(*f_dims),
        "out_dims": i32(*out_dims),
        "stride": i32(*stride),
        "padding": i32(*pad),
        "dilation": i32(*dil),
        "act": i32(*act),
        "in_offset": i32(-m.zero_point(x)),
        "out_offset": i32(m.zero_point(y)),
        "mult": i32(*mult),
        "shift": i32(*shift),
        "input": tensors[x],
        "filter": tensors[w],
        "expected": tensors[y],
    }
    if bias is not None:
        fields["bias"] = bias
    if depthwise:
        fields["depth_mult"] = i32(out_dims[3] // in_dims[3])
        return f"depthwise_conv2d_{sfx}", fields
    return f"conv2d_{sfx}", fields


def fully_connected(m: Model, op, tensors):
    o = m.options(op, m.fb.FullyConnectedOptions)
    x, w = op.Inputs(0), op.Inputs(1)
    b = op.Inputs(2) if op.InputsLength() > 2 else -1
    y = op.Outputs(0)
    dt = m.dtype(x)
    sfx = suffix(dt)
    if m.dtype(w) != np.int8:
        raise Unsupported(f"weights {m.dtype(w)}")
    w_shape = m.shape(w)
    depth, out_c = w_shape[1], w_shape[0]
    batches = int(np.prod(m.shape(x))) // depth
    act = activation_range(o.FusedActivationFunction(), m.scale(y), m.zero_point(y), *qlimits(dt))
    w_scales = m.quant(w)[0]
    if len(w_scales) > 1:
        # Per-channel weights: multipliers as a convolution's (double(input scale) * filter scale / out scale).
        pairs = [quantize_multiplier(float(m.scale(x)) * float(s) / float(m.scale(y))) for s in w_scales]
        fields = {
            "in_dims": i32(batches, 1, 1, depth),
            "filter_dims": i32(out_c, 1, 1, depth),
            "out_dims": i32(batches, 1, 1, out_c),
            "act": i32(*act),
            "in_offset": i32(-m.zero_point(x)),
            "filter_offset": i32(0),
            "out_offset": i32(m.zero_point(y)),
            "mult": i32(*[p[0] for p in pairs]),
            "shift": i32(*[p[1] for p in pairs]),
            "input": tensors[x],
            "filter": tensors[w],
            "expected": tensors[y],
        }
        if b >= 0:
            fields["bias"] = tensors[b]
        return f"fully_connected_per_channel_{sfx}", fields
    # kernel_util.cc GetQuantizedConvolutionMultipler: double(input scale) * double(filter scale) / out scale
    qm, sh = quantize_multiplier(float(m.scale(x)) * float(m.scale(w)) / float(m.scale(y)))
    fields = {
        "in_dims": i32(batches, 1, 1, depth),
        "filter_dims": i32(out_c, 1, 1, depth),
        "out_dims": i32(batches, 1, 1, out_c),
        "act": i32(*act),
        "in_offset": i32(-m.zero_point(x)),
        "filter_offset": i32(-m.zero_point(w)),
        "out_offset": i32(m.zero_point(y)),
        "mult": i32(qm),
        "shift": i32(sh),
        "input": tensors[x],
        "filter": tensors[w],
        "expected": tensors[y],
    }
    if b >= 0:
        fields["bias"] = tensors[b]
    return f"fully_connected_{sfx}", fields


def pool(m: Model, op, tensors, kind: str):
    o = m.options(op, m.fb.Pool2DOptions)
    x, y = op.Inputs(0), op.Outputs(0)
    dt = m.dtype(x)
    in_dims, out_dims = dims4(m.shape(x)), dims4(m.shape(y))
    stride = (o.StrideH(), o.StrideW())
    fh, fw = o.FilterHeight(), o.FilterWidth()
    pad = (
        (
            compute_padding(stride[0], 1, in_dims[1], fh, out_dims[1]),
            compute_padding(stride[1], 1, in_dims[2], fw, out_dims[2]),
        )
        if o.Padding() == 0
        else (0, 0)
    )
    act = activation_range(o.FusedActivationFunction(), m.scale(y), m.zero_point(y), *qlimits(dt))
    return f"{kind}_{suffix(dt)}", {
        "in_dims": i32(*in_dims),
        "filter_dims": i32(1, fh, fw, 1),
        "out_dims": i32(*out_dims),
        "stride": i32(*stride),
        "padding": i32(*pad),
        "act": i32(*act),
        "input": tensors[x],
        "expected": tensors[y],
    }


def add(m: Model, op, tensors):
    o = m.options(op, m.fb.AddOptions)
    a, b, y = op.Inputs(0), op.Inputs(1), op.Outputs(0)
    dt = m.dtype(a)
    left_shift = 15 if dt == np.int16 else 20
    s1, s2, so = float(m.scale(a)), float(m.scale(b)), float(m.scale(y))
    twice_max = 2 * max(s1, s2)
    m1, sh1 = quantize_multiplier(s1 / twice_max)
    m2, sh2 = quantize_multiplier(s2 / twice_max)
    mo, sho = quantize_multiplier(twice_max / ((1 << left_shift) * so))
    act = activation_range(o.FusedActivationFunction() if o else 0, m.scale(y), m.zero_point(y), *qlimits(dt))
    return f"add_{suffix(dt)}", {
        "in1_dims": i32(*dims4(m.shape(a))),
        "in2_dims": i32(*dims4(m.shape(b))),
        "out_dims": i32(*dims4(m.shape(y))),
        "act": i32(*act),
        "params": i32(-m.zero_point(a), -m.zero_point(b), m.zero_point(y), left_shift, m1, sh1, m2, sh2, mo, sho),
        "input": tensors[a],
        "input2": tensors[b],
        "expected": tensors[y],
    }


def mul(m: Model, op, tensors):
    o = m.options(op, m.fb.MulOptions)
    a, b, y = op.Inputs(0), op.Inputs(1), op.Outputs(0)
    dt = m.dtype(a)
    qm, sh = quantize_multiplier(float(m.scale(a)) * float(m.scale(b)) / float(m.scale(y)))
    act = activation_range(o.FusedActivationFunction() if o else 0, m.scale(y), m.zero_point(y), *qlimits(dt))
    return f"mul_{suffix(dt)}", {
        "in1_dims": i32(*dims4(m.shape(a))),
        "in2_dims": i32(*dims4(m.shape(b))),
        "out_dims": i32(*dims4(m.shape(y))),
        "act": i32(*act),
        "params": i32(-m.zero_point(a), -m.zero_point(b), m.zero_point(y), qm, sh),
        "input": tensors[a],
        "input2": tensors[b],
        "expected": tensors[y],
    }


def softmax(m: Model, op, tensors):
    o = m.options(op, m.fb.SoftmaxOptions)
    x, y = op.Inputs(0), op.Outputs(0)
    beta = float(np.float32(o.Beta()))
    shape = m.shape(x)
    row = shape[-1]
    rows = int(np.prod(shape)) // row
    in_dt, out_dt = m.dtype(x), m.dtype(y)
    if in_dt == np.int8:
        # PreprocessSoftmaxScaling(beta, input_scale, 5): min(beta * scale * 2^26, 2^31 - 1), > 1 multiplier
        real = min(beta * float(m.scale(x)) * (1 << (31 - 5)), (1 << 31) - 1.0)
        qm, left_shift = quantize_multiplier(real)
        diff_min = -calculate_input_radius(5, left_shift)
        name = "softmax_s8" if out_dt == np.int8 else "softmax_s8_s16"
        return name, {
            "rows": i32(rows, row),
            "params": i32(qm, left_shift, diff_min),
            "input": tensors[x],
            "expected": tensors[y],
        }
    if in_dt == np.int16:
        qm, sh = quantize_multiplier(float(m.scale(x)) * beta / (10.0 / 65535.0))
        return "softmax_s16", {
            "rows": i32(rows, row),
            "params": i32(qm, sh),
            "input": tensors[x],
            "expected": tensors[y],
        }
    raise Unsupported(f"softmax {in_dt}")


def checked_log2(x: float) -> tuple[bool, int]:
    """TFLite's CheckedLog2 (float arithmetic): whether x is a power of two, and round(log2(x))."""
    x_log2 = np.float32(math.log(np.float32(x))) * (np.float32(1.0) / np.float32(math.log(np.float32(2.0))))
    rounded = tflite_round(float(x_log2))
    return abs(float(np.float32(x_log2) - np.float32(rounded))) < 1e-3, rounded


def sigmoid_like_s16(m: Model, op, tensors, name: str):
    x, y = op.Inputs(0), op.Outputs(0)
    if m.zero_point(x) != 0 or m.zero_point(y) != 0:
        raise Unsupported(f"{name} int16 with a zero point")
    pot, log2r = checked_log2(m.scale(x))
    left_shift = (15 - 3) + log2r
    pot = pot and (left_shift == 0 if name == "logistic" else left_shift in (0, 1))
    if pot:
        multiplier = 0
    else:
        mult = float(m.scale(x)) * 4096.0 * 3.0
        left_shift = 0
        while mult <= 32767.0 / 2.0 and left_shift <= 30:
            left_shift += 1
            mult *= 2.0
        multiplier = int(mult)
    return f"{name}_s16", {"params": i32(multiplier, left_shift), "input": tensors[x], "expected": tensors[y]}


def sigmoid_like(m: Model, op, tensors, name: str):
    x, y = op.Inputs(0), op.Outputs(0)
    if m.dtype(x) == np.int16:
        return sigmoid_like_s16(m, op, tensors, name)
    if m.dtype(x) != np.int8:
        raise Unsupported(f"{name} {m.dtype(x)}")
    # logistic_common.cc / tanh.cc: frexp(input_scale * 2^(31 - 4)), TfLiteRound(q * 2^31)
    real = float(m.scale(x)) * (1 << (31 - 4))
    q, left_shift = math.frexp(real)
    qm = tflite_round(q * (1 << 31))
    radius = calculate_input_radius(4, left_shift, 31)
    return f"{name}_s8", {
        "params": i32(m.zero_point(x), radius, qm, left_shift),
        "input": tensors[x],
        "expected": tensors[y],
    }


def mean(m: Model, op, tensors):
    x, axis_t, y = op.Inputs(0), op.Inputs(1), op.Outputs(0)
    axes = sorted(int(a) % 4 for a in m.constant(axis_t).reshape(-1))
    in_shape = m.shape(x)
    if len(in_shape) != 4 or axes != [1, 2]:
        raise Unsupported(f"mean over axes {axes} of rank {len(in_shape)}")
    dt = m.dtype(x)
    same = int(m.zero_point(x) == m.zero_point(y) and np.float32(m.scale(x)) == np.float32(m.scale(y)))
    qm, sh = quantize_multiplier(float(m.scale(x)) / float(m.scale(y)))
    return f"mean_{suffix(dt)}", {
        "in_dims": i32(*in_shape),
        "out_dims": i32(in_shape[0], 1, 1, in_shape[3]),
        "params": i32(same, m.zero_point(x), m.zero_point(y), qm, sh),
        "input": tensors[x],
        "expected": tensors[y],
    }


def pad(m: Model, op, tensors):
    x, p, y = op.Inputs(0), op.Inputs(1), op.Outputs(0)
    dt = m.dtype(x)
    paddings = m.constant(p).reshape(-1, 2).astype(np.int64)
    rank = paddings.shape[0]
    if rank > 4:
        raise Unsupported("pad rank")
    full = np.zeros((4, 2), dtype=np.int64)
    full[4 - rank :] = paddings
    value = m.zero_point(y)
    if op.InputsLength() > 2 and op.Inputs(2) >= 0:
        value = int(tensors[op.Inputs(2)].reshape(-1)[0])
    return f"pad_{suffix(dt)}", {
        "in_dims": i32(*dims4(m.shape(x))),
        "out_dims": i32(*dims4(m.shape(y))),
        "before": i32(*full[:, 0]),
        "after": i32(*full[:, 1]),
        "pad_value": i32(value),
        "input": tensors[x],
        "expected": tensors[y],
    }


def concat(m: Model, op, tensors):
    o = m.options(op, m.fb.ConcatenationOptions)
    y = op.Outputs(0)
    dt = m.dtype(y)
    out_shape = m.shape(y)
    axis = o.Axis() % len(out_shape)
    ins = [op.Inputs(i) for i in range(op.InputsLength())]
    for t in ins:
        if m.zero_point(t) != m.zero_point(y) or np.float32(m.scale(t)) != np.float32(m.scale(y)):
            raise Unsupported("concatenation with requantization")
    if o.FusedActivationFunction() != 0:
        raise Unsupported("fused activation on concatenation")
    outer = int(np.prod(out_shape[:axis]))
    inner = int(np.prod(out_shape[axis + 1 :]))
    fields = {"sizes": i32(outer, inner, *[m.shape(t)[axis] for t in ins]), "expected": tensors[y]}
    for k, t in enumerate(ins):
        fields[f"input{k}"] = tensors[t]
    return f"concat_{suffix(dt)}", fields


def reshape(m: Model, op, tensors):
    x, y = op.Inputs(0), op.Outputs(0)
    return f"reshape_{suffix(m.dtype(x))}", {"input": tensors[x], "expected": tensors[y]}


def quantize(m: Model, op, tensors):
    x, y = op.Inputs(0), op.Outputs(0)
    in_dt, out_dt = m.dtype(x), m.dtype(y)
    if in_dt == np.float32:
        return f"quantize_f32_{suffix(out_dt)}", {
            "params_f": np.array([m.scale(y)], dtype=np.float32),
            "params": i32(m.zero_point(y)),
            "input": tensors[x],
            "expected": tensors[y],
        }
    qm, sh = quantize_multiplier(float(m.scale(x)) / float(m.scale(y)))
    return f"requantize_{suffix(in_dt)}_{suffix(out_dt)}", {
        "params": i32(m.zero_point(x), m.zero_point(y), qm, sh),
        "input": tensors[x],
        "expected": tensors[y],
    }


def dequantize(m: Model, op, tensors):
    x, y = op.Inputs(0), op.Outputs(0)
    if m.dtype(y) != np.float32:
        raise Unsupported("dequantize to non-float")
    return f"dequantize_{suffix(m.dtype(x))}_f32", {
        "params_f": np.array([m.scale(x)], dtype=np.float32),
        "params": i32(m.zero_point(x)),
        "input": tensors[x],
        "expected": tensors[y],
    }


def relu(m: Model, op, tensors):
    x, y = op.Inputs(0), op.Outputs(0)
    dt = m.dtype(x)
    qm, sh = quantize_multiplier(float(m.scale(x)) / float(m.scale(y)))
    lo, hi = qlimits(dt)
    return f"relu_{suffix(dt)}", {
        "params": i32(m.zero_point(x), m.zero_point(y), qm, sh, max(lo, m.zero_point(y)), hi),
        "input": tensors[x],
        "expected": tensors[y],
    }


HANDLERS = {
    "CONV_2D": lambda m, op, t: conv_like(m, op, t, depthwise=False),
    "DEPTHWISE_CONV_2D": lambda m, op, t: conv_like(m, op, t, depthwise=True),
    "FULLY_CONNECTED": fully_connected,
    "AVERAGE_POOL_2D": lambda m, op, t: pool(m, op, t, "avgpool"),
    "MAX_POOL_2D": lambda m, op, t: pool(m, op, t, "maxpool"),
    "ADD": add,
    "MUL": mul,
    "SOFTMAX": softmax,
    "LOGISTIC": lambda m, op, t: sigmoid_like(m, op, t, "logistic"),
    "TANH": lambda m, op, t: sigmoid_like(m, op, t, "tanh"),
    "MEAN": mean,
    "PAD": pad,
    "PADV2": pad,
    "CONCATENATION": concat,
    "RESHAPE": reshape,
    "QUANTIZE": quantize,
    "DEQUANTIZE": dequantize,
    "RELU": relu,
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


def random_cases(rng, quick: bool):
    """Yields (name, keras model builder, input shapes). Builders take no arguments."""
    import tensorflow as tf

    L = tf.keras.layers

    def act():
        return [None, "relu", "relu6"][rng.integers(0, 3)]

    def model(shapes, body):
        ins = [tf.keras.Input(shape=s[1:], batch_size=1) for s in shapes]
        return tf.keras.Model(ins, body(*ins))

    n = (lambda k: max(1, k // 3)) if quick else (lambda k: k)
    for i in range(n(10)):
        h, w = int(rng.integers(3, 12)), int(rng.integers(3, 12))
        cin, cout = int(rng.integers(1, 9)), int(rng.integers(1, 9))
        kh, kw = int(rng.integers(1, min(h, 4) + 1)), int(rng.integers(1, min(w, 4) + 1))
        padding = ["same", "valid"][rng.integers(0, 2)]
        dil = int(rng.integers(1, 3)) if i % 3 == 2 else 1
        stride = 1 if dil > 1 else int(rng.integers(1, 3))
        if padding == "valid" and ((kh - 1) * dil + 1 > h or (kw - 1) * dil + 1 > w):
            dil = 1
        a = act()
        shape = (1, h, w, cin)
        yield (
            f"conv{i}",
            (
                lambda shape=shape, cout=cout, kh=kh, kw=kw, stride=stride, padding=padding, dil=dil, a=a: model(
                    [shape],
                    lambda x: L.Conv2D(
                        cout, (kh, kw), strides=stride, padding=padding, dilation_rate=dil, activation=a
                    )(x),
                )
            ),
            [shape],
        )
    for i in range(n(10)):
        h, w = int(rng.integers(3, 12)), int(rng.integers(3, 12))
        cin, mult = int(rng.integers(1, 9)), int(rng.integers(1, 4))
        kh, kw = int(rng.integers(1, min(h, 4) + 1)), int(rng.integers(1, min(w, 4) + 1))
        padding = ["same", "valid"][rng.integers(0, 2)]
        dil = int(rng.integers(1, 3)) if i % 3 == 2 else 1
        stride = 1 if dil > 1 else int(rng.integers(1, 3))
        if padding == "valid" and ((kh - 1) * dil + 1 > h or (kw - 1) * dil + 1 > w):
            dil = 1
        a = act()
        shape = (1, h, w, cin)
        yield (
            f"dwconv{i}",
            (
                lambda shape=shape, mult=mult, kh=kh, kw=kw, stride=stride, padding=padding, dil=dil, a=a: model(
                    [shape],
                    lambda x: L.DepthwiseConv2D(
                        (kh, kw),
                        strides=stride,
                        padding=padding,
                        depth_multiplier=mult,
                        dilation_rate=dil,
                        activation=a,
                    )(x),
                )
            ),
            [shape],
        )
    for i in range(n(8)):
        depth, units = int(rng.integers(1, 70)), int(rng.integers(1, 40))
        a = act()
        shape = (1, depth)
        yield (
            f"fc{i}",
            (lambda shape=shape, units=units, a=a: model([shape], lambda x: L.Dense(units, activation=a)(x))),
            [shape],
        )
    for i in range(n(6)):
        h, w, c = int(rng.integers(2, 10)), int(rng.integers(2, 10)), int(rng.integers(1, 9))
        ph, pw = int(rng.integers(1, min(h, 3) + 1)), int(rng.integers(1, min(w, 3) + 1))
        stride = int(rng.integers(1, 3))
        padding = ["same", "valid"][rng.integers(0, 2)]
        kind = [L.AveragePooling2D, L.MaxPooling2D][i % 2]
        shape = (1, h, w, c)
        yield (
            f"pool{i}",
            (
                lambda shape=shape, kind=kind, ph=ph, pw=pw, stride=stride, padding=padding: model(
                    [shape], lambda x: kind((ph, pw), strides=stride, padding=padding)(x)
                )
            ),
            [shape],
        )
    for i in range(n(4)):
        h, w, c = int(rng.integers(1, 6)), int(rng.integers(1, 6)), int(rng.integers(1, 9))
        s1 = (1, h, w, c)
        s2 = s1 if i % 2 == 0 else (1, 1, 1, c)
        yield f"add{i}", (lambda s1=s1, s2=s2: model([s1, s2], lambda a, b: L.Add()([a, b]))), [s1, s2]
        yield f"mul{i}", (lambda s1=s1, s2=s2: model([s1, s2], lambda a, b: L.Multiply()([a, b]))), [s1, s2]
    for i in range(n(4)):
        rows, cols = int(rng.integers(1, 4)), int(rng.integers(2, 40))
        shape = (1, rows, cols)
        yield f"softmax{i}", (lambda shape=shape: model([shape], lambda x: L.Softmax()(x))), [shape]
    for i in range(n(3)):
        h, w, c = int(rng.integers(1, 8)), int(rng.integers(1, 8)), int(rng.integers(1, 9))
        shape = (1, h, w, c)
        yield (
            f"mean{i}",
            (
                lambda shape=shape: model(
                    [shape], lambda x: L.Lambda(lambda t: tf.reduce_mean(t * 1.5, axis=[1, 2], keepdims=True))(x)
                )
            ),
            [shape],
        )
        yield (
            f"pad{i}",
            (
                lambda shape=shape, i=i: model(
                    [shape], lambda x: L.Lambda(lambda t: tf.pad(t, [[0, 0], [i % 2, 1], [1, i], [0, i % 2]]))(x)
                )
            ),
            [shape],
        )
        yield (
            f"concat{i}",
            (lambda shape=shape: model([shape], lambda x: L.Concatenate(axis=3)([x, L.ReLU()(x)]))),
            [shape],
        )
    for i in range(n(2)):
        shape = (1, int(rng.integers(2, 30)))
        yield f"logistic{i}", (lambda shape=shape: model([shape], lambda x: L.Activation("sigmoid")(x))), [shape]
        yield f"tanh{i}", (lambda shape=shape: model([shape], lambda x: L.Activation("tanh")(x))), [shape]
    # More variety, drawn after the cases above so that their vectors do not move.
    for i in range(n(4)):
        h, w, c = int(rng.integers(1, 6)), int(rng.integers(1, 6)), int(rng.integers(1, 9))
        s1 = (1, h, w, c)
        s2 = [(1, h, 1, c), (1, 1, w, 1), (1, h, w, 1), (1, 1, 1, 1)][i % 4]
        yield f"addrelu{i}", (lambda s1=s1, s2=s2: model([s1, s2], lambda a, b: L.ReLU()(L.Add()([a, b])))), [s1, s2]
        yield (
            f"mulrelu{i}",
            (lambda s1=s1, s2=s2: model([s1, s2], lambda a, b: L.ReLU(max_value=6.0)(L.Multiply()([a, b])))),
            [s1, s2],
        )
    for i in range(n(3)):
        shape = (1, int(rng.integers(1, 3)), int(rng.integers(2, 100)))
        beta = float(rng.choice([0.5, 2.0, 4.0]))
        yield (
            f"softmaxbeta{i}",
            (lambda shape=shape, beta=beta: model([shape], lambda x: L.Lambda(lambda t: tf.nn.softmax(t * beta))(x))),
            [shape],
        )
    for i in range(n(2)):
        h, w, c = int(rng.integers(2, 8)), int(rng.integers(2, 8)), int(rng.integers(1, 9))
        shape = (1, h, w, c)
        yield (
            f"meanflat{i}",
            (lambda shape=shape: model([shape], lambda x: L.Lambda(lambda t: tf.reduce_mean(t, axis=[1, 2]))(x))),
            [shape],
        )
        yield (
            f"padv2_{i}",
            (
                lambda shape=shape: model(
                    [shape],
                    lambda x: L.Lambda(lambda t: tf.pad(t, [[0, 0], [1, 1], [2, 0], [0, 0]], constant_values=0.75))(x),
                )
            ),
            [shape],
        )
        yield (
            f"concatax{i}",
            (lambda shape=shape, i=i: model([shape], lambda x: L.Concatenate(axis=1 + i)([x, L.ReLU()(x), x]))),
            [shape],
        )
    for i in range(n(2)):
        h, w = int(rng.integers(3, 9)), int(rng.integers(3, 9))
        cin, groups = [(4, 2), (6, 3)][i % 2]
        shape = (1, h, w, cin)
        yield (
            f"groupconv{i}",
            (
                lambda shape=shape, groups=groups: model(
                    [shape], lambda x: L.Conv2D(2 * groups, (3, 3), padding="same", groups=groups)(x)
                )
            ),
            [shape],
        )
    for i in range(n(2)):
        h, w, c = int(rng.integers(2, 10)), int(rng.integers(2, 10)), int(rng.integers(1, 9))
        shape = (1, h, w, c)
        pool = [L.AveragePooling2D, L.MaxPooling2D][i % 2]
        yield (
            f"poolrelu{i}",
            (lambda shape=shape, pool=pool: model([shape], lambda x: L.ReLU()(pool((2, 2), padding="same")(x)))),
            [shape],
        )
    for i in range(n(2)):
        shape = (1, int(rng.integers(30, 200)))
        yield (
            f"logisticwide{i}",
            (lambda shape=shape: model([shape], lambda x: L.Activation("sigmoid")(x * 3.0))),
            [shape],
        )
        yield f"tanhwide{i}", (lambda shape=shape: model([shape], lambda x: L.Activation("tanh")(x * 3.0))), [shape]
    for i in range(n(4)):
        depth, units = int(rng.integers(1, 70)), int(rng.integers(1, 40))
        a = act()
        shape = (1, depth)
        # Per-channel weight scales (the converter's default since TF 2.17).
        yield (
            f"fcpc{i}",
            (lambda shape=shape, units=units, a=a: model([shape], lambda x: L.Dense(units, activation=a)(x))),
            [shape],
        )
    for i in range(n(3)):
        h, w, cin, mult = int(rng.integers(3, 10)), int(rng.integers(3, 10)), int(rng.integers(1, 4)), [4, 8, 4][i]
        shape = (1, h, w, cin)
        stride = 1 + i % 2
        # Depth multipliers of 4 and 8 (MobileNet's first layer on a 1-channel image is one).
        yield (
            f"dwmult{i}",
            (
                lambda shape=shape, mult=mult, stride=stride: model(
                    [shape],
                    lambda x: L.DepthwiseConv2D((3, 3), strides=stride, padding="same", depth_multiplier=mult)(x),
                )
            ),
            [shape],
        )
    for i, factor in enumerate([0.7, 5.0, 12.0][: n(3)]):
        shape = (1, 512)  # many inputs, so that most table segments of the int16 variants are crossed
        yield (
            f"logisticlut{i}",
            (lambda shape=shape, factor=factor: model([shape], lambda x: L.Activation("sigmoid")(x * factor))),
            [shape],
        )
        yield (
            f"tanhlut{i}",
            (lambda shape=shape, factor=factor: model([shape], lambda x: L.Activation("tanh")(x * factor))),
            [shape],
        )


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
