import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { EngineError } from "./errors.js";
import { detectModelFormat } from "./model-format.js";

const FIXTURES = process.env.TINYML_FIXTURES ?? fileURLToPath(new URL("../../../../shared/fixtures/", import.meta.url));
const fixture = (path: string) => readFileSync(`${FIXTURES}/${path}`);

/** A stored (uncompressed) zip with the given entries, written by hand: local headers only. */
function zipOf(entries: Record<string, string>): Uint8Array {
  const parts: Buffer[] = [];
  for (const [name, text] of Object.entries(entries)) {
    const content = Buffer.from(text, "latin1");
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(20, 4);
    header.writeUInt32LE(content.length, 18);
    header.writeUInt32LE(content.length, 22);
    header.writeUInt16LE(name.length, 26);
    parts.push(header, Buffer.from(name), content);
  }
  return Buffer.concat(parts);
}

const codeOf = (bytes: Uint8Array): string => {
  try {
    detectModelFormat(bytes);
  } catch (e) {
    if (e instanceof EngineError) return e.code;
    throw e;
  }
  return "accepted";
};

describe("detectModelFormat on real public models", () => {
  it.each([
    ["mlperf-tiny/kws/kws_ref_model.tflite", "tflite"],
    ["mlperf-tiny/kws/kws_ref_model_float32.tflite", "tflite"],
    ["tflite-micro/person_detection/person_detect.tflite", "tflite"],
    ["onnx/mnist-2018-opset1/model.onnx", "onnx"],
    ["mlperf-tiny/ad/ad01.h5", "keras-h5"],
    ["mlperf-tiny/sww/str_ww_ref_model.h5", "keras-h5"],
  ])("%s is %s", (path, format) => {
    expect(detectModelFormat(fixture(path))).toBe(format);
  });
});

describe("detectModelFormat on archives and bad input", () => {
  it("tells a PyTorch archive from a SavedModel archive by their entries", () => {
    expect(detectModelFormat(zipOf({ "model/version": "3", "model/data.pkl": "\x80\x02}q\x00." }))).toBe("pytorch-zip");
    expect(detectModelFormat(zipOf({ "m/saved_model.pb": "\x08\x01", "m/variables/variables.index": "" }))).toBe(
      "savedmodel-zip",
    );
  });

  it("refuses a zip that is neither (a NumPy .npz dataset)", () => {
    expect(codeOf(fixture("mlperf-tiny/sww/calibration_samples.npz"))).toBe("UNRECOGNIZED_MODEL_FORMAT");
  });

  it("refuses text, an empty file, raw tensors and ONNX test data that is not a model", () => {
    expect(codeOf(Buffer.from("this is not a model, just a text file named model.onnx\n"))).toBe(
      "UNRECOGNIZED_MODEL_FORMAT",
    );
    expect(codeOf(new Uint8Array())).toBe("EMPTY_MODEL_FILE");
    expect(codeOf(fixture("mlperf-tiny/kws/kws_input_data_int8_49x10.bin"))).toBe("UNRECOGNIZED_MODEL_FORMAT");
    expect(codeOf(fixture("onnx/mnist-8-test-data-set-0/input_0.pb"))).toBe("UNRECOGNIZED_MODEL_FORMAT");
  });

  it("refuses a truncated ONNX model", () => {
    const onnx = fixture("onnx/mnist-2018-opset1/model.onnx");
    expect(codeOf(onnx.subarray(0, onnx.length - 100))).toBe("UNRECOGNIZED_MODEL_FORMAT");
  });
});
