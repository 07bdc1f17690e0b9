"""Reading a .tflite flatbuffer through TensorFlow's generated schema (for make_goldens.py)."""

from __future__ import annotations

import numpy as np
from golden_quant import Unsupported


# --------------------------------------------------------------------------------------------------------------
# Reading a .tflite flatbuffer.
# --------------------------------------------------------------------------------------------------------------
class Model:
    def __init__(self, data: bytes) -> None:
        from tensorflow.lite.python import schema_py_generated as fb

        self.fb = fb
        self.model = fb.Model.GetRootAs(data, 0)
        self.graph = self.model.Subgraphs(0)
        self.op_names = {v: k for k, v in vars(fb.BuiltinOperator).items() if not k.startswith("_")}

    def tensor(self, index: int):
        return self.graph.Tensors(index)

    def shape(self, index: int) -> list[int]:
        return [int(d) for d in self.tensor(index).ShapeAsNumpy()] if self.tensor(index).ShapeLength() else []

    def quant(self, index: int) -> tuple[list[float], list[int]]:
        q = self.tensor(index).Quantization()
        if q is None or q.ScaleLength() == 0:
            return [], []
        return [float(s) for s in q.ScaleAsNumpy()], [int(z) for z in q.ZeroPointAsNumpy()]

    def scale(self, index: int) -> float:
        return self.quant(index)[0][0]

    def zero_point(self, index: int) -> int:
        return self.quant(index)[1][0]

    def dtype(self, index: int) -> np.dtype:
        t = self.tensor(index).Type()
        tt = self.fb.TensorType
        return np.dtype(
            {
                tt.INT8: np.int8,
                tt.INT16: np.int16,
                tt.INT32: np.int32,
                tt.INT64: np.int64,
                tt.FLOAT32: np.float32,
                tt.UINT8: np.uint8,
            }.get(t, np.void)
        )

    def constant(self, index: int) -> np.ndarray | None:
        buf = self.model.Buffers(self.tensor(index).Buffer())
        if buf is None or buf.DataLength() == 0:
            return None
        return np.frombuffer(buf.DataAsNumpy().tobytes(), dtype=self.dtype(index)).reshape(self.shape(index))

    def ops(self):
        for i in range(self.graph.OperatorsLength()):
            op = self.graph.Operators(i)
            code = self.model.OperatorCodes(op.OpcodeIndex())
            builtin = max(code.BuiltinCode(), code.DeprecatedBuiltinCode())
            yield i, self.op_names.get(builtin, str(builtin)), op

    def options(self, op, cls):
        table = op.BuiltinOptions()
        if table is None:
            return None
        o = cls()
        o.Init(table.Bytes, table.Pos)
        return o


def dims4(shape: list[int]) -> list[int]:
    if len(shape) > 4:
        raise Unsupported(f"rank {len(shape)}")
    return [1] * (4 - len(shape)) + list(shape)
