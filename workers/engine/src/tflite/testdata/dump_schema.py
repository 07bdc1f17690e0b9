"""Dumps TensorFlow Lite's flatbuffer schema, as TensorFlow generates it for Python, to JSON on stdout.

The engine's tflite/schema.ts types the field ids and enum values it uses by hand; schema.test.ts runs this
script (through the repository's .venv) and checks each of them against its output. The source is
tensorflow/lite/python/schema_py_generated.py, which flatc generates from tensorflow/lite/schema/schema.fbs
(TFLite Micro's copy, tflite_micro/.../schema_py_generated.py, when TensorFlow is not installed). The file is
read as text, not imported, so that TensorFlow itself is not loaded.

Output: {"source": path, "identifier": "TFL3",
         "tables": {Table: {Accessor: {"id": n, "kind": "int8|int32|float32|bool|...", "default": v}}},
         "enums": {Enum: {NAME: value}}}
An accessor is named as in the generated code (field `stride_w` is `StrideW`; a vector field also has
`...Length` and `...IsNone` accessors at the same id). A field's id comes from its vtable offset
(offset = 4 + 2 * id), its default from what the accessor returns when the field is absent.
"""

import ast
import json
import re
import sys
import sysconfig
from pathlib import Path

CANDIDATES = (
    "tensorflow/lite/python/schema_py_generated.py",
    "tflite_micro/tensorflow/lite/micro/python/schema_py_generated.py",
)

CLASS = re.compile(r"^class (\w+)\(object\):\n((?:(?:    .*)?\n)*)", re.MULTILINE)
ENUM_MEMBER = re.compile(r"^    (\w+) = (-?\d+)$", re.MULTILINE)
METHOD = re.compile(r"^    def (\w+)\(self(?:, j)?\):\n((?:(?:        .*)?\n)*)", re.MULTILINE)
OFFSET = re.compile(r"self\._tab\.Offset\((\d+)\)")
FLAGS = re.compile(r"number_types\.(\w+)Flags, o \+ self\._tab\.Pos")
KINDS = {
    "Int8": "int8",
    "Uint8": "uint8",
    "Int16": "int16",
    "Int32": "int32",
    "Uint32": "uint32",
    "Int64": "int64",
    "Uint64": "uint64",
    "Float32": "float32",
    "Float64": "float64",
    "Bool": "bool",
}


def schema_source() -> Path:
    purelib = Path(sysconfig.get_paths()["purelib"])
    for candidate in CANDIDATES:
        if (purelib / candidate).exists():
            return purelib / candidate
    sys.exit("no schema_py_generated.py found: install tensorflow or tflite-micro in the .venv")


def table_fields(body: str) -> dict:
    fields = {}
    for name, method in METHOD.findall(body):
        offset = OFFSET.search(method)
        if not offset or name.startswith("Init") or name in fields:
            continue
        field = {"id": (int(offset.group(1)) - 4) // 2}
        flags = FLAGS.search(method)
        if flags:
            field["kind"] = KINDS.get(flags.group(1), flags.group(1))
            last_return = method.strip().splitlines()[-1].strip()
            if last_return.startswith("return "):
                field["default"] = ast.literal_eval(last_return[len("return ") :])
        fields[name] = field
    return fields


def main() -> None:
    source = schema_source()
    text = source.read_text()
    tables, enums = {}, {}
    for name, body in CLASS.findall(text):
        members = ENUM_MEMBER.findall(body)
        if members and "def " not in body:
            enums[name] = {member: int(value) for member, value in members}
        elif "self._tab" in body:
            tables[name] = table_fields(body)
    identifier = re.search(r'BufferHasIdentifier\(buf, offset, b"([^"]+)"', text)
    ident = identifier.group(1).encode().decode("unicode_escape") if identifier else None
    json.dump(
        {"source": str(source), "identifier": ident, "tables": tables, "enums": enums},
        sys.stdout,
    )


if __name__ == "__main__":
    main()
