import { readFile } from "node:fs/promises";
import { EngineError, isEngineError } from "./errors.js";
import { detectModelFormat } from "./model-format.js";

const USAGE = `usage: tinyml-engine <command> [options]

commands:
  detect MODEL    print the model's container format (tflite, onnx, keras-h5, savedmodel-zip, pytorch-zip)`;

/** Runs the CLI; returns the process exit code. Errors are printed once, here. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "detect":
        return await detect(rest);
      case undefined:
      case "help":
      case "--help":
        console.log(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new EngineError("USAGE", `unknown command "${command}"\n\n${USAGE}`);
    }
  } catch (e) {
    if (isEngineError(e)) {
      console.error(`error [${e.code}]: ${e.message}`);
      return e.code === "USAGE" ? 2 : 1;
    }
    throw e;
  }
}

async function detect(args: string[]): Promise<number> {
  const [path] = args;
  if (!path) throw new EngineError("USAGE", `detect needs a MODEL path\n\n${USAGE}`);
  const bytes = await readFile(path).catch((e: NodeJS.ErrnoException) => {
    throw new EngineError("FILE_NOT_FOUND", `cannot read ${path}: ${e.code ?? e.message}`);
  });
  console.log(detectModelFormat(bytes));
  return 0;
}
