"""Writes codegen_zoo_{int8,int16x8,int8_float_io}.tflite: one small Keras network using every
operator the C runtime (sdk/embedded) implements, converted by the TensorFlow Lite converter with integer input
and output (and, int8_float_io, with the converter's default float interface), so that the generated C can be
compared byte for byte with TensorFlow Lite Micro on it.

    .venv/bin/python workers/engine/src/codegen/testdata/make_codegen_zoo.py

Operators: PAD, PADV2 (int8), CONV_2D (+ReLU, dilated), DEPTHWISE_CONV_2D (stride 2, multiplier 2, +ReLU6),
MAX_POOL_2D, AVERAGE_POOL_2D, LOGISTIC, TANH, ADD, MUL, CONCATENATION, MEAN, RESHAPE, FULLY_CONNECTED
(per-tensor weights; per-channel in the float-interface model), SOFTMAX, and in the int16x8 network QUANTIZE
int16 → int16 (requantization before the concatenation).
Deterministic for a given TensorFlow version
(fixed seeds); the files are committed, so the tests need no TensorFlow.
"""

import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.dont_write_bytecode = True

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

OUT = Path(__file__).resolve().parent
SHAPE = (12, 10, 3)


def network(int8: bool) -> tf.keras.Model:
    tf.keras.utils.set_random_seed(5)
    layers = tf.keras.layers
    x_in = tf.keras.Input(SHAPE, batch_size=1)
    x = layers.ZeroPadding2D(((1, 2), (0, 1)))(x_in)  # PAD
    if int8:
        x = layers.Lambda(lambda t: tf.pad(t, [[0, 0], [1, 0], [0, 1], [0, 0]], constant_values=0.5))(x)  # PADV2
    x = layers.Conv2D(8, 3, activation="relu")(x)  # CONV_2D
    x = layers.Conv2D(8, 3, dilation_rate=2, padding="same")(x)  # CONV_2D, dilated, no activation
    x = layers.DepthwiseConv2D(3, padding="same", strides=2, activation="relu6", depth_multiplier=2)(x)  # ×2
    x = layers.Conv2D(8, 1)(x)
    x = layers.MaxPool2D(2, strides=1, padding="same")(x)  # MAX_POOL_2D
    x = layers.AveragePooling2D(2, strides=1, padding="same")(x)  # AVERAGE_POOL_2D
    a = layers.Activation("sigmoid")(x)  # LOGISTIC
    b = layers.Activation("tanh")(x)  # TANH
    s = layers.Add()([a, b])  # ADD
    m = layers.Multiply()([a, b])  # MUL
    # CONCATENATION (the 16x8 converter requantizes its inputs to one scale: QUANTIZE int16 → int16)
    x = layers.Concatenate()([s, m, x])
    x = layers.Lambda(lambda t: tf.reduce_mean(t, axis=[1, 2], keepdims=True))(x)  # MEAN
    x = layers.Reshape((24,))(x)  # RESHAPE
    x = layers.Dense(16, activation="relu")(x)  # FULLY_CONNECTED
    x = layers.Dense(6)(x)
    x = layers.Softmax()(x)  # SOFTMAX
    return tf.keras.Model(x_in, x)


def samples(seed: int, count: int) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-1, 1, (count, 1, *SHAPE)).astype(np.float32)


def convert(model: tf.keras.Model, mode: str) -> bytes:
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = lambda: ([s] for s in samples(0, 64))
    # Per-tensor fully connected weights (the runtime's tml_fully_connected_*), except in the float-interface
    # model, which keeps all the converter's defaults (per-channel: tml_fully_connected_per_channel_*).
    converter._experimental_disable_per_channel_quantization_for_dense_layers = mode != "int8_float_io"
    if mode == "int8_float_io":  # the converter's default interface: QUANTIZE in, DEQUANTIZE out
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    elif mode == "int8":
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = tf.int8
        converter.inference_output_type = tf.int8
    else:
        converter.target_spec.supported_ops = [
            tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8
        ]
        converter.inference_input_type = tf.int16
        converter.inference_output_type = tf.int16
    return converter.convert()


def main() -> None:
    for mode in ("int8", "int16x8", "int8_float_io"):
        path = OUT / f"codegen_zoo_{mode}.tflite"
        path.write_bytes(convert(network(int8=mode != "int16x8"), mode))
        print(f"{path.name}: {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
