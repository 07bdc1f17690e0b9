import { HARDWARE_TARGETS, type TargetId } from "@tinyml/workflows/contracts";

/**
 * Per-core cost model: turns an exact instruction count (from the emulator) into an *estimated* latency and energy
 * on the catalog's part. latency = instructions × CPI / clock; energy = latency × active power at that clock.
 * Every figure it produces is labelled `estimated`, never `measured`: QEMU executes instructions, it does not model
 * pipelines, caches, flash wait states or buses.
 *
 * CPI (cycles per instruction) for int8 inference code is an assumption anchored on the cores' published
 * instruction timings and CoreMark/MHz ratios, given with its reasoning beside each core. Active power is the
 * vendor datasheet's typical run-mode current of a representative part at the catalog clock (all peripherals
 * disabled, code from flash) × its typical supply of 3.3 V, as the datasheets' feature summaries give them (check
 * them against the electrical-characteristics tables before quoting an energy to a customer). A core with no
 * figure we can cite has no energy estimate (the report leaves it absent rather than invent it).
 */
export interface CoreCost {
  /** The representative part whose datasheet the power figure comes from. */
  part: string;
  cpi: number;
  cpiBasis: string;
  /** Active power in mW at the catalog clock, or null when no datasheet figure is cited. */
  activePowerMw: number | null;
  powerBasis: string;
}

/** Arm's published CoreMark/MHz: Cortex-M4 3.40, Cortex-M7 5.01 (developer.arm.com processor pages). */
const COREMARK_PER_MHZ_M4 = 3.4;
const COREMARK_PER_MHZ_M7 = 5.01;

/**
 * Cortex-M4 CPI for int8 kernels: Cortex-M4 TRM (DDI 0439, "Processor instruction timings"): data processing,
 * MUL/MLA and the DSP MACs (SMLAD) take 1 cycle, LDR 2 (1 when pipelined with the next load), taken branches
 * 1 + P (P = 1 to 3 for the pipeline refill); kernel inner loops are about one load per MAC and a branch per
 * iteration, hence 1.3 (plus flash wait states hidden by the STM32 ART accelerator).
 */
const CPI_CORTEX_M4 = 1.3;

export const CORE_COSTS: Readonly<Partial<Record<TargetId, CoreCost>>> = Object.freeze({
  "cortex-m4": {
    part: "STM32F401xD/E (Cortex-M4F, 84 MHz)",
    cpi: CPI_CORTEX_M4,
    cpiBasis: "Cortex-M4 TRM instruction timings, int8 kernel mix (assumption)",
    // STM32F401xD/E datasheet (DS10086), features: "Run mode: 128 µA/MHz (peripheral off)":
    // 84 MHz × 0.128 mA/MHz = 10.75 mA × 3.3 V.
    activePowerMw: 84 * 0.128 * 3.3,
    powerBasis: "STM32F401xD/E datasheet DS10086: 128 µA/MHz run mode, peripherals off, 3.3 V",
  },
  stm32: {
    part: "STM32F405 (Cortex-M4F, 168 MHz)",
    cpi: CPI_CORTEX_M4,
    cpiBasis: "Cortex-M4 TRM instruction timings, int8 kernel mix (assumption)",
    // STM32F405xx/407xx datasheet (DS8626), features: "Run mode: 238 µA/MHz at 168 MHz": 40 mA × 3.3 V.
    activePowerMw: 168 * 0.238 * 3.3,
    powerBasis: "STM32F405/407 datasheet DS8626: 238 µA/MHz run mode at 168 MHz, 3.3 V",
  },
  "cortex-m7": {
    part: "STM32F746 (Cortex-M7, 216 MHz)",
    // Same Thumb-2 code retires faster on the dual-issue M7: CPI scaled by the CoreMark/MHz ratio M4 / M7.
    cpi: (CPI_CORTEX_M4 * COREMARK_PER_MHZ_M4) / COREMARK_PER_MHZ_M7,
    cpiBasis: "Cortex-M4 CPI × CoreMark/MHz M4 3.40 / M7 5.01 (Arm) (assumption)",
    // STM32F745xx/746xx datasheet (DS10916), run mode from flash with ART and L1 cache on, 216 MHz, all
    // peripherals disabled: about 100 mA typical × 3.3 V.
    activePowerMw: 100 * 3.3,
    powerBasis: "STM32F746 datasheet DS10916: ≈100 mA run mode at 216 MHz, peripherals disabled, 3.3 V",
  },
  riscv: {
    part: "RV32IMC microcontroller (single-issue, in order)",
    // Single-issue in-order RV32 cores (SiFive E31, Nuclei Bumblebee) retire at most one instruction a cycle,
    // with a 2-cycle load-use latency and no multiply-accumulate instruction: the M4's 1.3 is kept.
    cpi: 1.3,
    cpiBasis: "single-issue in-order RV32IMC, as the Cortex-M4 mix (assumption)",
    activePowerMw: null,
    powerBasis: "no datasheet figure of a representative 100 MHz RV32IMC part cited: energy not estimated",
  },
  "cortex-a": {
    part: "Armv7-A application core at 1 GHz",
    // An out-of-order Cortex-A15 issues up to 3 instructions a cycle; int8 kernels bound by loads keep it near 1.
    cpi: 1.0,
    cpiBasis: "Armv7-A out-of-order core on load-bound kernels (assumption)",
    activePowerMw: null,
    powerBasis: "no datasheet figure of a representative 1 GHz Armv7-A part cited: energy not estimated",
  },
});

export interface CostEstimate {
  latencyMs: number;
  energyUj: number | null;
  cost: CoreCost;
  clockMhz: number;
}

/** Estimated latency (ms) and energy (µJ) of one inference of `instructions` on the target's part. */
export function estimateCost(target: TargetId, instructions: number): CostEstimate | null {
  const cost = CORE_COSTS[target];
  if (!cost) return null;
  const clockMhz = HARDWARE_TARGETS[target].clockMhz;
  const latencyMs = (instructions * cost.cpi) / (clockMhz * 1e3);
  const energyUj = cost.activePowerMw === null ? null : latencyMs * cost.activePowerMw; // ms × mW = µJ
  return { latencyMs, energyUj, cost, clockMhz };
}
