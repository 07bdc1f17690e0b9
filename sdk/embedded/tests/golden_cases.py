"""Random single-op Keras models the golden vectors are drawn from (for make_goldens.py)."""

from __future__ import annotations

from typing import Any, NamedTuple


class CaseKit(NamedTuple):
    """What every case family draws with: the shared generator (its order fixes every vector), Keras's layers,
    a random fused activation, a model builder and the case count (a third of it with --quick)."""

    rng: Any
    layers: Any
    act: Any
    model: Any
    n: Any


def random_cases(rng, quick: bool):
    """Yields (name, keras model builder, input shapes). Builders take no arguments. The families run in this
    order, each drawing from the same generator, so that every vector stays where it was."""
    import tensorflow as tf

    def act():
        return [None, "relu", "relu6"][rng.integers(0, 3)]

    def model(shapes, body):
        ins = [tf.keras.Input(shape=s[1:], batch_size=1) for s in shapes]
        return tf.keras.Model(ins, body(*ins))

    n = (lambda k: max(1, k // 3)) if quick else (lambda k: k)
    kit = CaseKit(rng, tf.keras.layers, act, model, n)
    for family in (layer_cases, elementwise_cases, variety_cases, wide_range_cases):
        yield from family(kit)


def layer_cases(kit: CaseKit):
    """Convolutions, depthwise convolutions, fully connected layers and pools."""
    rng, L, act, model, n = kit
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


def elementwise_cases(kit: CaseKit):
    """Add, Mul, Softmax, Mean, Pad, Concatenation, Logistic and Tanh."""
    import tensorflow as tf

    rng, L, _, model, n = kit
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


def variety_cases(kit: CaseKit):
    """More variety (fused activations, betas, axes, groups), drawn after the cases above so that their vectors
    do not move."""
    import tensorflow as tf

    rng, L, _, model, n = kit
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


def wide_range_cases(kit: CaseKit):
    """Inputs far past the calibration range, per-channel FC, depth multipliers and the int16 LUT activations."""
    rng, L, act, model, n = kit
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
