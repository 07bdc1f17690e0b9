#!/usr/bin/env python3
"""Runs an ONNX model on every sample of an `.npz` under ONNX Runtime (CPU) and prints one JSON object (see
oracle_result.py), the same as run_tflite.py prints.

    .venv/bin/python workers/engine/oracle/run_onnx.py MODEL.onnx DATA.npz [--key x] [--limit N] \
        [--dump-outputs OUT.npy] [--batch 256]

Samples are fed as float32 (a QDQ model takes float input too) in the input's own layout: the data must already
have the model's sample shape (kws.onnx takes NHWC (N,49,10,1) as the SavedModel did). With a symbolic batch
dimension samples go in batches of --batch; with a fixed batch of 1, one at a time. Outputs are float;
outputs_sha256 covers their float32 bytes, sample by sample.
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


def main(argv: list[str] | None = None) -> int:
    import onnxruntime as ort

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", type=Path)
    parser.add_argument("data", type=Path)
    parser.add_argument("--key", default="x", help="array of DATA holding the samples (default x)")
    parser.add_argument("--limit", type=int, help="first N samples only")
    parser.add_argument("--dump-outputs", type=Path, help="write the first output as (N, ...) .npy")
    parser.add_argument("--batch", type=int, default=256, help="samples a run when the batch dimension is free")
    args = parser.parse_args(argv)

    data = load_dataset(args.data, args.key, args.limit)
    if not np.issubdtype(data.x.dtype, np.floating):
        raise SystemExit(f"{args.data}: {args.key} is {data.x.dtype}; ONNX models here take float samples")
    x = data.x.astype(np.float32)

    options = ort.SessionOptions()
    options.log_severity_level = 3
    if not args.model.is_file():
        raise SystemExit(f"{args.model}: no such model file")
    try:
        session = ort.InferenceSession(str(args.model), options, providers=["CPUExecutionProvider"])
    except Exception as e:  # onnxruntime's own exception classes (Fail, InvalidGraph, ...) share no base
        raise SystemExit(f"onnxruntime could not load {args.model}: {e}") from None
    inputs = session.get_inputs()
    if len(inputs) != 1:
        raise SystemExit(f"{args.model}: {len(inputs)} inputs; the oracle feeds models with one input")
    shape = inputs[0].shape
    sample_shape = [d if isinstance(d, int) else None for d in shape[1:]]
    if None in sample_shape or int(np.prod(sample_shape)) != x[0].size:
        raise SystemExit(
            f"{args.data}: a sample of {args.key} has shape {list(x.shape[1:])}; the model's input is {shape}"
        )
    batch = args.batch if not isinstance(shape[0], int) else shape[0]
    if batch != 1 and isinstance(shape[0], int):
        raise SystemExit(f"{args.model}: fixed batch of {batch}; the oracle runs batch 1 or a free batch")

    name = inputs[0].name
    chunks: list[list[np.ndarray]] = []
    started = time.monotonic()
    for start in range(0, len(x), batch):
        part = x[start : start + batch].reshape([-1, *sample_shape])
        chunks.append(session.run(None, {name: part}))
    seconds = time.monotonic() - started

    # Per-sample raw outputs in sample order, so the digest does not depend on the batch size.
    raw = [[np.asarray(o[i], dtype=np.float32) for o in chunk] for chunk in chunks for i in range(len(chunk[0]))]
    outputs = np.concatenate([chunk[0] for chunk in chunks]).astype(np.float32)
    if args.dump_outputs:
        np.save(args.dump_outputs, outputs)
    print_result(
        oracle_result(
            interpreter="onnxruntime",
            model=os.fspath(args.model),
            data=data,
            x_float=x,
            raw_outputs=raw,
            outputs=outputs,
            seconds=seconds,
            extra={
                "input": {"name": name, "shape": shape},
                "output": {"name": session.get_outputs()[0].name, "shape": session.get_outputs()[0].shape},
            },
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
