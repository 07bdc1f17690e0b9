import { describe, expect, it } from "vitest";
import { generated } from "../testing/fixtures.js";
import { CORE_COSTS, estimateCost } from "./cost-model.js";
import { parseRegionOverflows } from "./firmware.js";
import { quantizedInputs } from "./inputs.js";
import { type ModelHeader, parseModelHeader } from "./model-header.js";

describe("bench helpers", () => {
  it("reads GNU ld's region overflows", () => {
    const out = [
      "/usr/bin/ld: fw.elf section `.bss' will not fit in region `RAM'",
      "/usr/bin/ld: region `RAM' overflowed by 4096 bytes",
      "/usr/bin/ld: region `FLASH' overflowed by 1080512 bytes",
    ].join("\n");
    expect(parseRegionOverflows(out)).toEqual([
      { region: "RAM", bytes: 4096 },
      { region: "FLASH", bytes: 1080512 },
    ]);
    expect(parseRegionOverflows("collect2: error")).toEqual([]);
  });

  it("parses a generated model.h", () => {
    const h = parseModelHeader(`#define TML_MODEL_ARENA_SIZE 22784
#define TML_MODEL_ARENA_ALIGNMENT 16
#define TML_MODEL_INPUT_BYTES 490
#define TML_MODEL_INPUT_TYPE_INT8 1
#define TML_MODEL_INPUT_SCALE 0.5847029089927673f
#define TML_MODEL_INPUT_ZERO_POINT 83
#define TML_MODEL_OUTPUT_BYTES 12
#define TML_MODEL_OUTPUT_TYPE_INT16 1
#define TML_MODEL_OUTPUT_SCALE 3.0517578125e-05f /* 1/32768 */
#define TML_MODEL_OUTPUT_ZERO_POINT (-128)
#define TML_MODEL_MACS 2656768`);
    expect(h).toEqual({
      arenaBytes: 22784,
      inputBytes: 490,
      outputBytes: 12,
      inputType: "int8",
      outputType: "int16",
      inputScale: 0.5847029089927673,
      inputZeroPoint: 83,
      outputScale: 3.0517578125e-5,
      outputZeroPoint: -128,
      macs: 2656768,
    });
  });

  it("estimates latency from instructions × CPI / clock, energy only with a cited power figure", () => {
    const m4 = estimateCost("cortex-m4", 8_400_000);
    expect(m4?.latencyMs).toBeCloseTo((8.4e6 * (CORE_COSTS["cortex-m4"]?.cpi ?? 0)) / 84e3, 6);
    expect(m4?.energyUj).toBeCloseTo((m4?.latencyMs ?? 0) * 84 * 0.128 * 3.3, 6);
    expect(estimateCost("riscv", 1000)?.energyUj).toBeNull();
    expect(estimateCost("esp32", 1000)).toBeNull();
  });

  it("quantizes float inputs with the model's input parameters, as the stored int8 inputs were", async () => {
    // kws_eembc.npz: x is x_int8 dequantized with kws_ref_model.tflite's input scale and zero point
    const header: ModelHeader = {
      arenaBytes: 0,
      inputBytes: 490,
      outputBytes: 12,
      inputType: "int8",
      outputType: "int8",
      inputScale: 0.5847029089927673,
      inputZeroPoint: 83,
      outputScale: 1 / 256,
      outputZeroPoint: -128,
      macs: null,
    };
    const npz = generated("kws_eembc.npz");
    const quantized = await quantizedInputs(npz, header);
    const stored = await quantizedInputs(npz, header, undefined, true);
    expect(quantized.count).toBe(1000);
    expect(Buffer.from(quantized.bytes).equals(Buffer.from(stored.bytes))).toBe(true);
    expect(stored.labels?.length).toBe(1000);
    expect((await quantizedInputs(npz, header, 7)).count).toBe(7);
    await expect(quantizedInputs(npz, { ...header, inputBytes: 491 })).rejects.toThrow(
      /expected N samples of 491 values/,
    );
    // Another model's input parameters: the float inputs are quantized with them, not the stored bytes reused.
    const other = await quantizedInputs(npz, { ...header, inputScale: 0.4, inputZeroPoint: 10 });
    expect(Buffer.from(other.bytes).equals(Buffer.from(stored.bytes))).toBe(false);
    expect(new Int8Array(other.bytes.buffer)[0]).toBe(
      Math.max(
        -128,
        Math.min(
          127,
          Math.round((((new Int8Array(stored.bytes.buffer)[0] as number) - 83) * 0.5847029089927673) / 0.4) + 10,
        ),
      ),
    );
  });
});
