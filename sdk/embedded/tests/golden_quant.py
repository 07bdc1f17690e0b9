"""TFLite's quantization arithmetic in Python, exactly as TFLite computes it (for make_goldens.py)."""

from __future__ import annotations

import math

import numpy as np


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
