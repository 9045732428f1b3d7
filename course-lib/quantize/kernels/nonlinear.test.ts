// The int8 SOFTMAX, LOGISTIC, TANH and HARD_SWISH kernels against TensorFlow Lite Micro itself:
// fixtures/tflm-kernels.json holds what TFLM's reference kernels (tflite-micro 90b983c2, gemmlowp 719139ce,
// built with host g++ by fixtures/make-tflm-kernel-fixtures.sh) output for all 256 int8 inputs per
// (scale, zero point) configuration and for 648 softmax rows; "lutOutput" is desktop TFLite's LUTPopulate
// table from the same tree, the reference for rounding "single". Then each op against the real function
// (dequantize → f → quantize) within a stated bound, and the error cases.
import { readFileSync } from "node:fs";
import { mulberry32 } from "../../data/random";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

import { prepareHardSwish, hardSwishInt8 } from "./hard-swish";
import { prepareLogistic, logisticInt8 } from "./logistic";
import { prepareSoftmax, softmaxInt8 } from "./softmax";
import { prepareTanh, tanhInt8 } from "./tanh";
import {
  expOnNegativeValues,
  logistic,
  oneOverOnePlusXForXIn0To1,
  roundingDivideByPOT16,
  tanh,
} from "./gemmlowp-fixed-point";

interface ActivationCase {
  inScale: number;
  inZeroPoint: number;
  inputMultiplier: number;
  inputLeftShift: number;
  inputRadius: number;
  output: number[];
  lutOutput: number[];
}
interface SoftmaxCase {
  inScale: number;
  inZeroPoint: number;
  beta: number;
  inputMultiplier: number;
  inputLeftShift: number;
  diffMin: number;
  rows: { depth: number; input: number[]; output: number[] }[];
}
interface HardSwishCase {
  inScale: number;
  inZeroPoint: number;
  outScale: number;
  outZeroPoint: number;
  outputMultiplierInt16: number;
  outputExponent: number;
  reluishMultiplierInt16: number;
  reluishExponent: number;
  rejected?: boolean;
  output?: number[];
}
const fixture = JSON.parse(readFileSync(path.join(__dirname, "..", "fixtures", "tflm-kernels.json"), "utf8")) as {
  source: string;
  logistic: ActivationCase[];
  tanh: ActivationCase[];
  softmax: SoftmaxCase[];
  hardSwish: HardSwishCase[];
};

const ALL_INT8 = Int8Array.from({ length: 256 }, (_, i) => i - 128);

function mismatches(actual: Int8Array, expected: number[]): number {
  let n = 0;
  for (let i = 0; i < expected.length; i++) if (actual[i] !== expected[i]) n++;
  return n;
}

/** clamp(round(y/s) + zp): the float reference, quantized as TFLite's Quantize() does (half away from 0). */
function quantize(y: number, scale: number, zeroPoint: number): number {
  const r = y / scale;
  return Math.max(-128, Math.min(127, (r < 0 ? -Math.round(-r) : Math.round(r)) + zeroPoint));
}

describe("the TFLM fixture", () => {
  it("covers every op with several configurations (regenerate with make-tflm-kernel-fixtures.sh)", () => {
    expect(fixture.source).toMatch(/90b983c2/);
    expect(fixture.logistic.length).toBeGreaterThanOrEqual(6);
    expect(fixture.tanh.length).toBeGreaterThanOrEqual(6);
    expect(fixture.softmax.reduce((n, c) => n + c.rows.length, 0)).toBeGreaterThanOrEqual(600);
    expect(fixture.hardSwish.filter((c) => c.rejected).length).toBeGreaterThanOrEqual(1);
    expect(fixture.hardSwish.filter((c) => !c.rejected).length).toBeGreaterThanOrEqual(8);
  });
});

describe("LOGISTIC and TANH equal TFLM bit for bit", () => {
  const ops = [
    { name: "logistic", cases: fixture.logistic, prepare: prepareLogistic, run: logisticInt8, out: [1 / 256, -128] },
    { name: "tanh", cases: fixture.tanh, prepare: prepareTanh, run: tanhInt8, out: [1 / 128, 0] },
  ] as const;
  for (const op of ops) {
    it(`${op.name}: TFLM's prepare parameters and all 256 inputs, ${op.cases.length} configurations`, () => {
      for (const c of op.cases) {
        const plan = op.prepare({ inScale: c.inScale, inZeroPoint: c.inZeroPoint, outScale: op.out[0], outZeroPoint: op.out[1], rounding: "double" });
        expect([plan.inputMultiplier, plan.inputLeftShift, plan.inputRadius], `scale ${c.inScale}`).toEqual([
          c.inputMultiplier,
          c.inputLeftShift,
          c.inputRadius,
        ]);
        const out = new Int8Array(256);
        op.run(plan, ALL_INT8, out);
        expect(mismatches(out, c.output), `scale ${c.inScale}, zero point ${c.inZeroPoint}`).toBe(0);
      }
    });
    it(`${op.name} rounding "single": desktop TFLite's LUTPopulate table, all 256 inputs`, () => {
      for (const c of op.cases) {
        const plan = op.prepare({ inScale: c.inScale, inZeroPoint: c.inZeroPoint, outScale: op.out[0], outZeroPoint: op.out[1], rounding: "single" });
        const out = new Int8Array(256);
        op.run(plan, ALL_INT8, out);
        expect(mismatches(out, c.lutOutput), `scale ${c.inScale}, zero point ${c.inZeroPoint}`).toBe(0);
      }
    });
  }

  it("reproduces TFLM's radius-0 quirk: with input scale 8, x = 0 saturates to -128 (the table gives the true 0.5, i.e. 0)", () => {
    const c = fixture.logistic.find((k) => k.inScale === 8)!;
    expect(c.inputRadius).toBe(0);
    const zeroIndex = c.inZeroPoint + 128;
    expect([c.output[zeroIndex], c.lutOutput[zeroIndex]]).toEqual([-128, 0]);
    const out = new Int8Array(256);
    logisticInt8(prepareLogistic({ inScale: 8, inZeroPoint: 0, outScale: 1 / 256, outZeroPoint: -128, rounding: "double" }), ALL_INT8, out);
    expect(out[zeroIndex]).toBe(-128);
  });
});

describe("SOFTMAX equals TFLM bit for bit", () => {
  it(`TFLM's input_beta_multiplier / left shift / diff_min and ${fixture.softmax.reduce((n, c) => n + c.rows.length, 0)} rows of depth 4, 10, 12`, () => {
    for (const c of fixture.softmax) {
      const plan = prepareSoftmax({ inScale: c.inScale, inZeroPoint: c.inZeroPoint, outScale: 1 / 256, outZeroPoint: -128, beta: c.beta, rounding: "double" });
      expect([plan.inputMultiplier, plan.inputLeftShift, plan.diffMin], `scale ${c.inScale}`).toEqual([c.inputMultiplier, c.inputLeftShift, c.diffMin]);
      let bad = 0;
      for (const row of c.rows) {
        const out = new Int8Array(row.depth);
        softmaxInt8(plan, Int8Array.from(row.input), out, row.depth);
        bad += mismatches(out, row.output);
      }
      expect(bad, `scale ${c.inScale}, beta ${c.beta}`).toBe(0);
    }
  });

  it("runs many rows in one call (rows along the last dimension)", () => {
    const c = fixture.softmax[1];
    const rows = c.rows.filter((r) => r.depth === 10);
    const plan = prepareSoftmax({ inScale: c.inScale, inZeroPoint: c.inZeroPoint, outScale: 1 / 256, outZeroPoint: -128, beta: c.beta, rounding: "double" });
    const out = new Int8Array(rows.length * 10);
    softmaxInt8(plan, Int8Array.from(rows.flatMap((r) => r.input)), out, 10);
    expect(mismatches(out, rows.flatMap((r) => r.output))).toBe(0);
  });

  it('caps beta·s_in·2^26 at 2^31 − 1 (TFLM) or 2^30 − 1 (rounding "single", TFLITE_SINGLE_ROUNDING)', () => {
    const p = { inScale: 40, inZeroPoint: 0, outScale: 1 / 256, outZeroPoint: -128, beta: 1 };
    expect(prepareSoftmax({ ...p, rounding: "double" })).toMatchObject({ inputMultiplier: 2147483647, inputLeftShift: 31, diffMin: 0 });
    expect(prepareSoftmax({ ...p, rounding: "single" })).toMatchObject({ inputMultiplier: 2147483646, inputLeftShift: 30 });
  });
});

describe("HARD_SWISH equals TFLM bit for bit", () => {
  it("TFLM's int16 multipliers and exponents, and all 256 inputs", () => {
    for (const c of fixture.hardSwish.filter((k) => !k.rejected)) {
      const p = { inScale: c.inScale, inZeroPoint: c.inZeroPoint, outScale: c.outScale, outZeroPoint: c.outZeroPoint };
      for (const rounding of ["double", "single"] as const) {
        const plan = prepareHardSwish({ ...p, rounding });
        expect([plan.outputMultiplierInt16, plan.outputExponent, plan.reluishMultiplierInt16, plan.reluishExponent]).toEqual([
          c.outputMultiplierInt16,
          c.outputExponent,
          c.reluishMultiplierInt16,
          c.reluishExponent,
        ]);
        const out = new Int8Array(256);
        hardSwishInt8(plan, ALL_INT8, out);
        expect(mismatches(out, c.output!), `in (${c.inScale}, ${c.inZeroPoint}) out (${c.outScale}, ${c.outZeroPoint})`).toBe(0);
      }
    }
  });

  it("covers positive, zero and negative reluish exponents and right shifts of 16 or more", () => {
    const used = fixture.hardSwish.filter((k) => !k.rejected);
    expect(used.some((k) => k.reluishExponent > 0)).toBe(true);
    expect(used.some((k) => k.reluishExponent === 0)).toBe(true);
    expect(used.some((k) => k.reluishExponent <= -16)).toBe(true);
    expect(used.some((k) => k.outputExponent <= -16)).toBe(true);
  });

  it("rejects, as TFLM does, the configurations with a positive output exponent", () => {
    for (const c of fixture.hardSwish.filter((k) => k.rejected)) {
      expect(() =>
        prepareHardSwish({ inScale: c.inScale, inZeroPoint: c.inZeroPoint, outScale: c.outScale, outZeroPoint: c.outZeroPoint, rounding: "double" }),
      ).toThrow(/exponent 1 > 0.*output scale/);
    }
  });
});

describe("against the real functions (dequantize → f → quantize)", () => {
  // Bounds: at most 1 LSB for every op (measured on these 150 random configurations: 0 for the fixed-point
  // logistic, tanh and softmax, 1 for the float table's logistic and for hard-swish).
  const random = mulberry32(2024);
  const configs = Array.from({ length: 150 }, () => ({
    scale: Math.fround(Math.exp(Math.log(0.001) + random() * Math.log(1000))),
    zeroPoint: Math.floor(random() * 256) - 128,
    outRatio: 0.3 + random() * 1.5,
  }));

  it("logistic and tanh within 1 LSB, both roundings", () => {
    let worst = 0;
    const out = new Int8Array(256);
    for (const { scale, zeroPoint } of configs) {
      for (const rounding of ["double", "single"] as const) {
        logisticInt8(prepareLogistic({ inScale: scale, inZeroPoint: zeroPoint, outScale: 1 / 256, outZeroPoint: -128, rounding }), ALL_INT8, out);
        out.forEach((v, i) => {
          worst = Math.max(worst, Math.abs(v - quantize(1 / (1 + Math.exp(-(ALL_INT8[i] - zeroPoint) * scale)), 1 / 256, -128)));
        });
        tanhInt8(prepareTanh({ inScale: scale, inZeroPoint: zeroPoint, outScale: 1 / 128, outZeroPoint: 0, rounding }), ALL_INT8, out);
        out.forEach((v, i) => {
          worst = Math.max(worst, Math.abs(v - quantize(Math.tanh((ALL_INT8[i] - zeroPoint) * scale), 1 / 128, 0)));
        });
      }
    }
    expect(worst).toBeLessThanOrEqual(1);
  });

  it("hard-swish x·relu6(x+3)/6 within 1 LSB", () => {
    let worst = 0;
    const out = new Int8Array(256);
    for (const { scale, zeroPoint, outRatio } of configs) {
      const outScale = Math.fround(scale * outRatio);
      const outZeroPoint = (zeroPoint * 7 + 3) % 128;
      hardSwishInt8(prepareHardSwish({ inScale: scale, inZeroPoint: zeroPoint, outScale, outZeroPoint, rounding: "double" }), ALL_INT8, out);
      out.forEach((v, i) => {
        const x = (ALL_INT8[i] - zeroPoint) * scale;
        worst = Math.max(worst, Math.abs(v - quantize((x * Math.min(6, Math.max(0, x + 3))) / 6, outScale, outZeroPoint)));
      });
    }
    expect(worst).toBeLessThanOrEqual(1);
  });

  it("softmax within 1 LSB, both roundings", () => {
    let worst = 0;
    for (const { scale, zeroPoint } of configs) {
      const inScale = Math.fround(scale * 20);
      for (const rounding of ["double", "single"] as const) {
        const plan = prepareSoftmax({ inScale, inZeroPoint: zeroPoint, outScale: 1 / 256, outZeroPoint: -128, beta: 1, rounding });
        for (const depth of [4, 10, 12]) {
          const input = Int8Array.from({ length: depth }, () => Math.floor(random() * 256) - 128);
          const out = new Int8Array(depth);
          softmaxInt8(plan, input, out, depth);
          const max = Math.max(...input);
          const exps = Array.from(input, (v) => Math.exp((v - max) * inScale));
          const sum = exps.reduce((a, b) => a + b, 0);
          out.forEach((v, i) => {
            worst = Math.max(worst, Math.abs(v - quantize(exps[i] / sum, 1 / 256, -128)));
          });
        }
      }
    }
    expect(worst).toBeLessThanOrEqual(1);
  });
});

describe("gemmlowp fixed-point helpers", () => {
  // Accuracy of the approximations themselves (measured max over 20,000 points: exp 2.3e-7, 1/(1+x) 3e-9,
  // logistic 6.7e-8, tanh 1.3e-7); the bit-exact check is the TFLM fixture above.
  it("exp_on_negative_values, 1/(1+x), logistic and tanh track the real functions to a few 1e-7", () => {
    const random = mulberry32(9);
    for (let k = 0; k < 2000; k++) {
      const x = -random() * 15; // Q5.26 input
      const raw = Math.round(x * 2 ** 26);
      expect(Math.abs(expOnNegativeValues(raw, 5) / 2 ** 31 - Math.exp(raw / 2 ** 26))).toBeLessThan(4e-7);
      const a = random();
      expect(Math.abs(oneOverOnePlusXForXIn0To1(Math.floor(a * 2 ** 31)) / 2 ** 31 - 1 / (1 + Math.floor(a * 2 ** 31) / 2 ** 31))).toBeLessThan(1e-8);
      const y = (random() - 0.5) * 30; // Q4.27 input
      const q4 = Math.round(y * 2 ** 27);
      expect(Math.abs(logistic(q4, 4) / 2 ** 31 - 1 / (1 + Math.exp(-q4 / 2 ** 27)))).toBeLessThan(2e-7);
      expect(Math.abs(tanh(q4, 4) / 2 ** 31 - Math.tanh(q4 / 2 ** 27))).toBeLessThan(3e-7);
    }
    expect(expOnNegativeValues(0, 5)).toBe(2147483647);
    expect(logistic(0, 4)).toBe(2 ** 30);
    expect(tanh(0, 4)).toBe(0);
  });

  it("int16 RoundingDivideByPOT: ties away from zero, and gemmlowp's int16 mask quirk for shifts ≥ 16", () => {
    expect([roundingDivideByPOT16(3, 1), roundingDivideByPOT16(-3, 1), roundingDivideByPOT16(-1, 1), roundingDivideByPOT16(5, 2)]).toEqual([2, -2, -1, 1]);
    // With exponent ≥ 16 the int16 mask is −1: non-negative x gives 1, negative x gives −1 (TFLM's HARD_SWISH
    // outputs zp + 1 for a zero input in the fixture's s_out = 100 case because of this).
    expect([roundingDivideByPOT16(0, 20), roundingDivideByPOT16(1000, 16), roundingDivideByPOT16(-5, 17)]).toEqual([1, 1, -1]);
    const c = fixture.hardSwish.find((k) => k.outScale === 100)!;
    expect(c.output![128 + c.inZeroPoint]).toBe(c.outZeroPoint + 1);
  });
});

describe("errors name the bad value and the expected one", () => {
  it("output parameters other than the spec's are rejected", () => {
    expect(() => prepareSoftmax({ inScale: 0.1, inZeroPoint: 0, outScale: 1 / 255, outZeroPoint: -128, beta: 1, rounding: "double" })).toThrow(
      /softmax.*1\/256.*-128.*0\.0039215/,
    );
    expect(() => prepareSoftmax({ inScale: 0.1, inZeroPoint: 0, outScale: 1 / 256, outZeroPoint: 0, beta: 1, rounding: "double" })).toThrow(/zero point 0/);
    expect(() => prepareLogistic({ inScale: 0.1, inZeroPoint: 0, outScale: 1 / 256, outZeroPoint: 0, rounding: "double" })).toThrow(/logistic.*-128.*zero point 0/);
    expect(() => prepareLogistic({ inScale: 0.1, inZeroPoint: 0, outScale: 1 / 128, outZeroPoint: -128, rounding: "double" })).toThrow(/logistic.*0\.0078125/);
    expect(() => prepareTanh({ inScale: 0.1, inZeroPoint: 0, outScale: 1 / 256, outZeroPoint: 0, rounding: "double" })).toThrow(/tanh.*1\/128.*0\.00390625/);
  });

  it("hard-swish with too small an output scale, bad shapes and bad scales", () => {
    expect(() => prepareHardSwish({ inScale: 1, inZeroPoint: 0, outScale: 0.001, outZeroPoint: 0, rounding: "double" })).toThrow(/hardSwish.*exponent \d+ > 0/);
    expect(() => prepareHardSwish({ inScale: 0.1, inZeroPoint: 200, outScale: 0.1, outZeroPoint: 0, rounding: "double" })).toThrow(/zero point.*200/);
    const plan = prepareSoftmax({ inScale: 0.1, inZeroPoint: 0, outScale: 1 / 256, outZeroPoint: -128, beta: 1, rounding: "double" });
    expect(() => softmaxInt8(plan, new Int8Array(10), new Int8Array(10), 4)).toThrow(/depth 4.*input 10/);
    expect(() => prepareLogistic({ inScale: 0, inZeroPoint: 0, outScale: 1 / 256, outZeroPoint: -128, rounding: "double" })).toThrow(/scale.*0/);
    const lp = prepareLogistic({ inScale: 0.1, inZeroPoint: 0, outScale: 1 / 256, outZeroPoint: -128, rounding: "double" });
    expect(() => logisticInt8(lp, new Int8Array(4), new Int8Array(3))).toThrow(/3.*4/);
  });
});
