"""Operator -> test vector: one handler per TFLite operator the runtime has (for make_goldens.py)."""

from __future__ import annotations

import math

import numpy as np
from golden_quant import (
    Unsupported,
    activation_range,
    calculate_input_radius,
    compute_padding,
    quantize_multiplier,
    tflite_round,
)
from golden_tflite import Model, dims4


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
