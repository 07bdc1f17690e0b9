#!/usr/bin/env node
/**
 * Writes the int8 test model (model.c's parameters and model.h) for given sizes, and computes its expected output
 * bytes independently of the C code (JavaScript, BigInt products, TensorFlow Lite's requantization).
 *
 *   node generate.mjs OUT_DIR [--in 64] [--hidden 32] [--out 10] [--seed 1] [--arena-bytes N]
 *
 * OUT_DIR receives model.c and CMakeLists.txt (copied), model.h and fc_params.h: a model folder the firmware
 * builds like a generated one (hardware-farm/firmware/build.sh BOARD OUT_DIR BUILD).
 */
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const HERE = dirname(fileURLToPath(import.meta.url));

/** mulberry32: a small deterministic generator, so a seed names one model. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** TFLite's QuantizeMultiplier: real = multiplier * 2^(shift - 31), multiplier in [2^30, 2^31). */
export function quantizeMultiplier(real) {
  let shift = Math.floor(Math.log2(real)) + 1;
  let q = Math.round((real / 2 ** shift) * 2 ** 31);
  if (q === 2 ** 31) {
    q /= 2;
    shift += 1;
  }
  return { multiplier: q, shift };
}

function srdhm(a, b) {
  if (a === -(2 ** 31) && b === -(2 ** 31)) return 2 ** 31 - 1;
  const ab = BigInt(a) * BigInt(b);
  const nudge = ab >= 0n ? 1n << 30n : 1n - (1n << 30n);
  return Number((ab + nudge) / (1n << 31n)); // BigInt division truncates toward zero, as C does
}

function roundingDivideByPot(x, exponent) {
  const mask = (1 << exponent) - 1;
  const remainder = x & mask;
  const threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

function requantize(acc, multiplier, shift) {
  const left = shift > 0 ? shift : 0;
  const right = shift > 0 ? 0 : -shift;
  return roundingDivideByPot(srdhm(acc * 2 ** left, multiplier), right);
}

function fullyConnected(x, xZp, w, bias, inN, outN, m, yZp, lo, hi) {
  const y = new Int8Array(outN);
  for (let o = 0; o < outN; o++) {
    let acc = bias[o];
    for (let i = 0; i < inN; i++) acc += (x[i] - xZp) * w[o * inN + i];
    const v = requantize(acc, m.multiplier, m.shift) + yZp;
    y[o] = Math.min(hi, Math.max(lo, v));
  }
  return y;
}

/** The model's parameters for sizes and a seed. */
export function makeFcModel({ inputs = 64, hidden = 32, outputs = 10, seed = 1 } = {}) {
  const next = random(seed);
  const int = (lo, hi) => lo + Math.floor(next() * (hi - lo + 1));
  const w1 = Int8Array.from({ length: inputs * hidden }, () => int(-127, 127));
  const b1 = Int32Array.from({ length: hidden }, () => int(-4000, 4000));
  const w2 = Int8Array.from({ length: hidden * outputs }, () => int(-127, 127));
  const b2 = Int32Array.from({ length: outputs }, () => int(-4000, 4000));
  const model = {
    inputs,
    hidden,
    outputs,
    inputScale: 0.05,
    inputZeroPoint: -3,
    hiddenZeroPoint: -128,
    outputScale: 0.1,
    outputZeroPoint: 5,
    fc1: quantizeMultiplier(0.008 / Math.sqrt(inputs)),
    fc2: quantizeMultiplier(0.02 / Math.sqrt(hidden)),
    w1,
    b1,
    w2,
    b2,
  };
  /** Output bytes for one int8 input vector. */
  model.run = (x) => {
    const h = fullyConnected(
      x,
      model.inputZeroPoint,
      w1,
      b1,
      inputs,
      hidden,
      model.fc1,
      model.hiddenZeroPoint,
      -128,
      127,
    );
    // ReLU: the hidden layer clamps at its zero point (-128), as in model.c
    const y = fullyConnected(
      h,
      model.hiddenZeroPoint,
      w2,
      b2,
      hidden,
      outputs,
      model.fc2,
      model.outputZeroPoint,
      -128,
      127,
    );
    return new Uint8Array(y.buffer);
  };
  return model;
}

function cArray(type, name, values) {
  const rows = [];
  for (let i = 0; i < values.length; i += 32) rows.push(`  ${Array.from(values.slice(i, i + 32)).join(",")},`);
  return `static const ${type} ${name}[${values.length}] = {\n${rows.join("\n")}\n};\n`;
}

/** Writes the model folder; returns the model (with `run`). */
export function writeFcModel(dir, sizes = {}) {
  const m = makeFcModel(sizes);
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(HERE, "model.c"), join(dir, "model.c"));
  copyFileSync(join(HERE, "CMakeLists.txt"), join(dir, "CMakeLists.txt"));
  // The arena holds the hidden activations; `arenaBytes` asks for more (as a model with a large scratch buffer
  // would), to test RAM overflows.
  const arena = Math.max(Math.ceil(m.hidden / 16) * 16, sizes.arenaBytes ?? 0);
  writeFileSync(
    join(dir, "model.h"),
    `/* The int8 test model (hardware-farm/firmware/tests/fc_model), ${m.inputs} → ${m.hidden} → ${m.outputs}. */
#ifndef TML_MODEL_H
#define TML_MODEL_H
#include <stddef.h>
#include <stdint.h>
#define TML_MODEL_ARENA_SIZE ${arena}
#define TML_MODEL_INPUT_BYTES ${m.inputs}
#define TML_MODEL_OUTPUT_BYTES ${m.outputs}
#define TML_MODEL_INPUT_TYPE_INT8 1
#define TML_MODEL_INPUT_SCALE ${m.inputScale}f
#define TML_MODEL_INPUT_ZERO_POINT (${m.inputZeroPoint})
#define TML_MODEL_OUTPUT_SCALE ${m.outputScale}f
#define TML_MODEL_OUTPUT_ZERO_POINT (${m.outputZeroPoint})
#define TML_MODEL_MACS ${m.inputs * m.hidden + m.hidden * m.outputs}
int tml_model_init(uint8_t *arena, size_t arena_size);
int tml_model_run(const void *input, void *output);
#endif
`,
  );
  writeFileSync(
    join(dir, "fc_params.h"),
    `/* Parameters of the int8 test model, written by generate.mjs (seed ${sizes.seed ?? 1}). */
#define FC_IN ${m.inputs}
#define FC_HIDDEN ${m.hidden}
#define FC_OUT ${m.outputs}
#define FC1_MULTIPLIER ${m.fc1.multiplier}
#define FC1_SHIFT (${m.fc1.shift})
#define FC1_OUTPUT_ZERO_POINT (${m.hiddenZeroPoint})
#define FC2_MULTIPLIER ${m.fc2.multiplier}
#define FC2_SHIFT (${m.fc2.shift})
${cArray("int8_t", "fc1_weights", m.w1)}${cArray("int32_t", "fc1_bias", m.b1)}${cArray("int8_t", "fc2_weights", m.w2)}${cArray("int32_t", "fc2_bias", m.b2)}`,
  );
  return m;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      in: { type: "string" },
      hidden: { type: "string" },
      out: { type: "string" },
      seed: { type: "string" },
      "arena-bytes": { type: "string" },
    },
  });
  if (!positionals[0]) {
    console.error("usage: node generate.mjs OUT_DIR [--in N] [--hidden N] [--out N] [--seed S] [--arena-bytes N]");
    process.exit(2);
  }
  const n = (v, d) => (v === undefined ? d : Number(v));
  writeFcModel(positionals[0], {
    inputs: n(values.in, 64),
    hidden: n(values.hidden, 32),
    outputs: n(values.out, 10),
    seed: n(values.seed, 1),
    arenaBytes: n(values["arena-bytes"], 0),
  });
}
