"""The one JSON object every oracle prints, so TypeScript tests read TFLite, TFLite Micro and ONNX Runtime alike.

Fields: interpreter, model, samples, predictions (argmax of the first output, per sample), outputs_sha256 (of the
raw output bytes of every sample, in sample order and output order, as the runtime produced them: int8 bytes for
an int8 output), top1 (when the dataset has integer labels), mse (mean squared error of the dequantized output
against the float input, when the output has as many values as the input: autoencoders), regression (mse and max
absolute error against float `y` targets of the output's size), seconds (wall time of the inference loop).
"""

from __future__ import annotations

import hashlib
import json

import numpy as np
from dataset import Dataset


def oracle_result(
    *,
    interpreter: str,
    model: str,
    data: Dataset,
    x_float: np.ndarray,
    raw_outputs: list[list[np.ndarray]],
    outputs: np.ndarray,
    seconds: float,
    extra: dict | None = None,
) -> dict:
    """`raw_outputs[i]` holds sample i's output tensors as produced; `outputs` (N, ...) the first one, in float."""
    digest = hashlib.sha256()
    for sample_outputs in raw_outputs:
        for tensor in sample_outputs:
            digest.update(np.ascontiguousarray(tensor).tobytes())
    n = len(outputs)
    flat = outputs.reshape(n, -1)
    predictions = np.argmax(flat, axis=1)
    result: dict = {
        "interpreter": interpreter,
        "model": model,
        "samples": n,
        **(extra or {}),
    }
    if data.labels is not None:
        result["top1"] = float(np.mean(predictions == data.labels))
    if flat.shape[1] == x_float.reshape(n, -1).shape[1] and flat.shape[1] > 1:
        result["mse"] = float(np.mean((flat.astype(np.float64) - x_float.reshape(n, -1)) ** 2))
    if data.targets is not None and data.targets.reshape(n, -1).shape == flat.shape:
        err = flat.astype(np.float64) - data.targets.reshape(n, -1)
        result["regression"] = {"mse": float(np.mean(err**2)), "max_abs_error": float(np.max(np.abs(err)))}
    result["outputs_sha256"] = digest.hexdigest()
    result["seconds"] = round(seconds, 3)
    result["predictions"] = predictions.tolist()
    return result


def print_result(result: dict) -> None:
    print(json.dumps(result))
