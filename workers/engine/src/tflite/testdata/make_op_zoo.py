#!/usr/bin/env python3
"""Writes op_zoo_{float,fp16,int8,int16x8}.tflite: one small Keras network using every TFLite operator the
engine imports, converted by the TensorFlow Lite converter in four modes. The TFLite tests import each file,
export it again and check that TFLite and TFLite Micro compute the same output bytes from both.

    .venv/bin/python workers/engine/src/tflite/testdata/make_op_zoo.py

Deterministic for a given TensorFlow version (fixed seeds); the files are committed, so the tests need no TF.
Operators: PAD, PADV2, CONV_2D, DEPTHWISE_CONV_2D, MAX_POOL_2D, AVERAGE_POOL_2D, LOGISTIC, TANH, ADD, SUB, MUL,
CONCATENATION, TRANSPOSE, MEAN, FULLY_CONNECTED, RELU, SOFTMAX, and QUANTIZE / DEQUANTIZE (the int8 and
int16x8 models keep float input and output) or DEQUANTIZE of float16 weights (fp16). The int16x8 model has no
PADV2: the converter's 16x8 mode gives it a float32 fill value for int16 data, which TFLite refuses to load.
"""

import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.dont_write_bytecode = True

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

OUT = Path(__file__).resolve().parent


def network(padv2: bool) -> tf.keras.Model:
    tf.keras.utils.set_random_seed(3)
    layers = tf.keras.layers
    x_in = tf.keras.Input((8, 6, 3), batch_size=1)
    x = layers.ZeroPadding2D(((1, 2), (0, 1)))(x_in)  # PAD
    if padv2:
        x = layers.Lambda(lambda t: tf.pad(t, [[0, 0], [1, 0], [0, 1], [0, 0]], constant_values=0.5))(x)  # PADV2
    x = layers.Conv2D(6, 3, activation="relu")(x)  # CONV_2D
    x = layers.DepthwiseConv2D(3, padding="same", strides=2, activation="relu6")(x)  # DEPTHWISE_CONV_2D
    x = layers.MaxPool2D(2, strides=1, padding="same")(x)  # MAX_POOL_2D
    x = layers.AveragePooling2D(2, strides=1)(x)  # AVERAGE_POOL_2D
    a = layers.Activation("sigmoid")(x)  # LOGISTIC
    b = layers.Activation("tanh")(x)  # TANH
    s = layers.Add()([a, b])  # ADD
    m = layers.Multiply()([a, b])  # MUL
    d = layers.Subtract()([a, b])  # SUB
    x = layers.Concatenate()([s, m, d])  # CONCATENATION
    x = layers.Permute((2, 1, 3))(x)  # TRANSPOSE
    x = layers.ReLU()(x)  # RELU
    x = layers.Lambda(lambda t: tf.reduce_mean(t, axis=[1, 2]))(x)  # MEAN
    x = layers.Reshape((3, 6))(x)  # RESHAPE
    x = layers.Flatten()(x)
    x = layers.Dense(5)(x)  # FULLY_CONNECTED
    x = layers.Softmax()(x)  # SOFTMAX
    return tf.keras.Model(x_in, x)


def representative():
    rng = np.random.default_rng(0)
    for _ in range(32):
        yield [rng.uniform(0, 1, (1, 8, 6, 3)).astype(np.float32)]


def convert(model: tf.keras.Model, mode: str) -> bytes:
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    if mode != "float":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if mode == "fp16":
        converter.target_spec.supported_types = [tf.float16]
    if mode in ("int8", "int16x8"):
        converter.representative_dataset = representative
        converter.target_spec.supported_ops = [
            tf.lite.OpsSet.TFLITE_BUILTINS_INT8
            if mode == "int8"
            else tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8
        ]
    return converter.convert()


def main() -> None:
    for mode in ("float", "fp16", "int8", "int16x8"):
        path = OUT / f"op_zoo_{mode}.tflite"
        path.write_bytes(convert(network(padv2=mode != "int16x8"), mode))
        print(f"{path.name}: {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
