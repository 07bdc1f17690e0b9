import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { EngineError } from "./errors.js";
import { detectModelFormat } from "./model-format.js";
import { fixture, REPO_ROOT } from "./testing/fixtures.js";

/** Files written by PyTorch and Keras themselves (workflows/src/model-files/testdata/make_model_files.py). */
const written = (name: string) => readFileSync(`${REPO_ROOT}workflows/src/model-files/testdata/${name}`);

const codeOf = async (bytes: Uint8Array): Promise<string> => {
  try {
    await detectModelFormat(bytes);
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
  ])("%s is %s", async (path, format) => {
    expect(await detectModelFormat(fixture(path))).toBe(format);
  });
});

describe("detectModelFormat on archives and bad input", () => {
  it("tells PyTorch, torch.export, Keras 3 and SavedModel archives apart by their entries", async () => {
    expect(await detectModelFormat(written("tiny.torchscript.pt"))).toBe("pytorch-zip");
    expect(await detectModelFormat(written("state_dict.pt"))).toBe("pytorch-zip");
    expect(await detectModelFormat(written("tiny.pt2"))).toBe("pytorch-export");
    expect(await detectModelFormat(written("tiny.keras"))).toBe("keras-v3");
    expect(await detectModelFormat(written("savedmodel.zip"))).toBe("savedmodel-zip");
  });

  it("refuses a zip that is neither (a NumPy .npz dataset), naming it", async () => {
    const npz = fixture("mlperf-tiny/sww/calibration_samples.npz");
    expect(await codeOf(npz)).toBe("UNRECOGNIZED_MODEL_FORMAT");
    await expect(detectModelFormat(npz)).rejects.toThrow(/it is a NumPy \.npz archive/);
  });

  it("refuses text, an empty file, raw tensors and ONNX test data that is not a model", async () => {
    expect(await codeOf(Buffer.from("this is not a model, just a text file named model.onnx\n"))).toBe(
      "UNRECOGNIZED_MODEL_FORMAT",
    );
    expect(await codeOf(new Uint8Array())).toBe("EMPTY_MODEL_FILE");
    expect(await codeOf(fixture("mlperf-tiny/kws/kws_input_data_int8_49x10.bin"))).toBe("UNRECOGNIZED_MODEL_FORMAT");
    expect(await codeOf(fixture("onnx/mnist-8-test-data-set-0/input_0.pb"))).toBe("UNRECOGNIZED_MODEL_FORMAT");
  });

  it("refuses a truncated ONNX model", async () => {
    const onnx = fixture("onnx/mnist-2018-opset1/model.onnx");
    expect(await codeOf(onnx.subarray(0, onnx.length - 100))).toBe("UNRECOGNIZED_MODEL_FORMAT");
  });
});
