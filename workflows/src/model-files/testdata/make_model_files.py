"""Writes the recognizer's test files with the real tools, so the tests read what users upload.

Run from the repository root, once per interpreter (each writes only what its tools can):
  /work/torchenv/bin/python workflows/src/model-files/testdata/make_model_files.py torch
  .venv/bin/python workflows/src/model-files/testdata/make_model_files.py keras

torch: tiny.torchscript.pt (torch.jit.save), state_dict.pt (torch.save of a state dict),
       tiny.pt2 (torch.export.save).
keras: tiny.keras (Keras 3 model.save), savedmodel.zip (tf.saved_model.save, zipped with zipfile).
The models are two small layers, so each file stays a few KB.
"""

import os
import sys
import tempfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))


def write_torch() -> None:
    import torch

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2)).eval()
    example = (torch.zeros(1, 4),)
    torch.jit.save(torch.jit.trace(model, example), os.path.join(HERE, "tiny.torchscript.pt"))
    torch.save(model.state_dict(), os.path.join(HERE, "state_dict.pt"))
    torch.export.save(torch.export.export(model, example), os.path.join(HERE, "tiny.pt2"))


def write_keras() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="relu"), keras.layers.Dense(2)])
    model.save(os.path.join(HERE, "tiny.keras"))
    with tempfile.TemporaryDirectory() as tmp:
        folder = os.path.join(tmp, "tiny_savedmodel")
        tf.saved_model.save(model, folder)
        with zipfile.ZipFile(os.path.join(HERE, "savedmodel.zip"), "w", zipfile.ZIP_DEFLATED) as z:
            for root, _, files in sorted(os.walk(folder)):
                for name in sorted(files):
                    path = os.path.join(root, name)
                    z.write(path, os.path.relpath(path, tmp))


WRITERS = {"torch": write_torch, "keras": write_keras}

if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in WRITERS:
        sys.exit(f"usage: {sys.argv[0]} torch|keras")
    WRITERS[sys.argv[1]]()
