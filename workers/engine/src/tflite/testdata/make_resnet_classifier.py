"""Writes resnet_classifier_{float,int8}.tflite: a small ResNet-style image classifier (a stem convolution, two
residual blocks, the second with a strided 1x1 projection shortcut, global average pooling, a 10-way fully
connected layer and softmax), converted by the TensorFlow Lite converter: in float (the engine quantizes it), and in
int8 with integer input and output and per-tensor fully connected weights (as the converter gives them with
per-channel quantization of dense layers turned off). The exported-model oracle (workers/engine/oracle/
check_exports.py) loads the engine's exports of it, and of its converter-made int8 twin, in LiteRT and TFLite Micro.

    .venv/bin/python workers/engine/src/tflite/testdata/make_resnet_classifier.py

The weights are random (fixed seed), not trained: the oracle checks that interpreters agree, not accuracy.
Deterministic for a given TensorFlow version; the files are committed, so the tests need no TensorFlow.
"""

import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.dont_write_bytecode = True

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

OUT = Path(__file__).resolve().parent
SHAPE = (16, 16, 3)


def residual(x: tf.Tensor, filters: int, stride: int) -> tf.Tensor:
    layers = tf.keras.layers
    y = layers.Conv2D(filters, 3, strides=stride, padding="same", activation="relu")(x)
    y = layers.Conv2D(filters, 3, padding="same")(y)
    shortcut = x if stride == 1 and x.shape[-1] == filters else layers.Conv2D(filters, 1, strides=stride)(x)
    return layers.Activation("relu")(layers.Add()([y, shortcut]))


def network() -> tf.keras.Model:
    tf.keras.utils.set_random_seed(11)
    layers = tf.keras.layers
    x_in = tf.keras.Input(SHAPE, batch_size=1)
    x = layers.Conv2D(8, 3, padding="same", activation="relu")(x_in)
    x = residual(x, 8, 1)
    x = residual(x, 16, 2)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dense(10)(x)
    return tf.keras.Model(x_in, layers.Softmax()(x))


def samples(seed: int, count: int) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0, 1, (count, 1, *SHAPE)).astype(np.float32)


def convert(model: tf.keras.Model, int8: bool) -> bytes:
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    if int8:
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = lambda: ([s] for s in samples(0, 64))
        converter._experimental_disable_per_channel_quantization_for_dense_layers = True
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = tf.int8
        converter.inference_output_type = tf.int8
    return converter.convert()


def main() -> None:
    model = network()
    for name, int8 in (("float", False), ("int8", True)):
        path = OUT / f"resnet_classifier_{name}.tflite"
        path.write_bytes(convert(model, int8))
        print(f"{path.name}: {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
