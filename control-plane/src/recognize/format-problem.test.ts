import { readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { recognizeModelFile, sampleOf } from "@tinyml/workflows/model-files";
import { describe, expect, it } from "vitest";
import { modelFormatProblem } from "./format-problem.js";

const TESTDATA = join(
  resolve(dirname(fileURLToPath(import.meta.url)), "../../.."),
  "workflows/src/model-files/testdata",
);

/** The problem the API reports for a file of the recognizer's test data declared as `framework`. */
async function problemOf(name: string, framework: "tensorflow" | "pytorch" | "onnx") {
  const recognition = await recognizeModelFile(sampleOf(await readFile(join(TESTDATA, name))));
  return modelFormatProblem({ fileName: name, ...recognition }, framework);
}

describe("modelFormatProblem", () => {
  it("accepts Keras 3 files for TensorFlow and torch.export archives for PyTorch", async () => {
    expect(await problemOf("tiny.keras", "tensorflow")).toBeNull();
    expect(await problemOf("tiny.pt2", "pytorch")).toBeNull();
    expect(await problemOf("tiny.torchscript.pt", "pytorch")).toBeNull();
  });

  it("names the format and the frameworks that take it when they do not match", async () => {
    expect(await problemOf("tiny.pt2", "tensorflow")).toMatch(
      /^model_file "tiny\.pt2" is a PyTorch exported program \(torch\.export archive, \.pt2\), but model_framework "tensorflow" takes Keras HDF5 model/,
    );
  });

  it("says what a file of no model format is", () => {
    const problem = modelFormatProblem({ fileName: "model.onnx", format: null, refusal: "a text file" }, "onnx");
    expect(problem).toMatch(/^model_file "model\.onnx" is not an ONNX model: it is a text file, none of the formats/);
  });
});
