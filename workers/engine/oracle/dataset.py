"""The `.npz` datasets the oracles read: `x` (or another key) holds the samples, the optional `y` labels.

Integer `y` are class labels (top-1 is computed); float `y` are regression targets (hello_world's sin(x)).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass
class Dataset:
    x: np.ndarray
    labels: np.ndarray | None
    targets: np.ndarray | None


def load_dataset(path: str | Path, key: str = "x", limit: int | None = None) -> Dataset:
    with np.load(path) as data:
        if key not in data:
            raise SystemExit(f"{path}: no array named {key!r} (it has {', '.join(sorted(data.files))})")
        x = data[key]
        y = data.get("y")
    if limit is not None:
        x = x[:limit]
        y = None if y is None else y[:limit]
    if y is not None and len(y) != len(x):
        raise SystemExit(f"{path}: {key} has {len(x)} samples but y has {len(y)}")
    if y is None:
        return Dataset(x, None, None)
    if np.issubdtype(y.dtype, np.integer):
        return Dataset(x, y.astype(np.int64), None)
    return Dataset(x, None, y.astype(np.float32))
