// Graded tests for lesson 08's affine map (exercises/08-quantization/affine.ts). Run them with
// `npm run grade -- --only 08.1`; each failing test prints its feedback as a hint.
// Hand-worked cases, then random ranges compared with the course's quantizer (course-lib/quantize/calibrate.ts
// activationParams, and fake-quant.ts quantizeUniformAsymmetric at 8 bits for the values).
import { expect } from "vitest";
import { errorFrom, graded, validCall } from "../../course-lib/grader/graded";
import { mulberry32 } from "../../course-lib/data/random";
import { activationParams } from "../../course-lib/quantize/calibrate";
import { quantizeUniformAsymmetric } from "../../course-lib/quantize/fake-quant";
import { affineParams, dequantize, quantize } from "@exercise/08-quantization/affine";

graded(
  { id: "08.1", points: 2, feedback: "Widen the range to contain 0, scale = Math.fround((hi − lo) / 255), zeroPoint = round(−128 − lo / scale) half away from zero, clamped to [−128, 127]. Compute the zero point from the float32 scale." },
  "scale and zero point from a range, with zero exactly representable",
  () => {
    const cases: [number, number, number, number][] = [
      [0, 6, Math.fround(6 / 255), -128], // ReLU6
      [-3, 1, Math.fround(4 / 255), 63],
      [2, 5, Math.fround(5 / 255), -128], // widened to [0, 5]
      [-4, -1, Math.fround(4 / 255), 127], // widened to [−4, 0]
      [-1, 1, Math.fround(2 / 255), -1], // the float32 scale makes −128 + 1/scale just below −0.5
      [0, 0, Math.fround(1 / 255), -128],
    ];
    for (const [min, max, scale, zeroPoint] of cases) {
      expect({ range: [min, max], ...affineParams(min, max) }).toEqual({ range: [min, max], scale, zeroPoint });
    }
    const next = mulberry32(8);
    for (let i = 0; i < 300; i++) {
      const min = -(10 ** (4 * next() - 2)) * (next() < 0.2 ? 0 : 1);
      const max = 10 ** (4 * next() - 2) * (next() < 0.2 ? 0 : 1);
      const expected = activationParams(min, max);
      expect({ range: [min, max], ...affineParams(min, max) }).toEqual({ range: [min, max], ...expected });
    }
  },
);

graded(
  { id: "08.1", points: 2, feedback: "q = clamp(round(x / scale) + zeroPoint, −128, 127) with round half AWAY from zero (Math.round sends −2.5 to −2: not what C does); dequantize: (q − zeroPoint) · scale as float32." },
  "quantizes with C's rounding and clamping, and dequantizes",
  () => {
    const p = { scale: 0.5, zeroPoint: -10 };
    expect(quantize([0, 1, -1, 100, -100], p)).toEqual(Int8Array.from([-10, -8, -12, 127, -128]));
    expect(quantize([1.25, -1.25, 0.75, -0.75], { scale: 0.5, zeroPoint: 0 })).toEqual(Int8Array.from([3, -3, 2, -2]));
    const back = dequantize(Int8Array.from([-10, -8, -12, 127]), p);
    expect(back).toBeInstanceOf(Float32Array);
    expect(Array.from(back)).toEqual([0, 1, -1, 68.5]);
    const next = mulberry32(81);
    for (let r = 0; r < 20; r++) {
      const range: [number, number] = [-5 * next(), 8 * next()];
      const values = Array.from({ length: 200 }, () => range[0] - 1 + (range[1] - range[0] + 2) * next());
      values.push(0);
      const params = affineParams(range[0], range[1]);
      const q = quantize(values, params);
      expect(q).toBeInstanceOf(Int8Array);
      expect({ range, q0: q[200] }).toEqual({ range, q0: params.zeroPoint });
      expect({ range, values: Array.from(dequantize(q, params)) }).toEqual({ range, values: Array.from(quantizeUniformAsymmetric(values, 8, range)) });
    }
  },
);

graded(
  { id: "08.1", points: 1, feedback: "affineParams throws a RangeError naming min and max when either is not finite or min > max." },
  "rejects ranges that are not finite or upside down",
  () => {
    validCall("affineParams(-1, 1)", () => affineParams(-1, 1));
    validCall("affineParams(0, 0)", () => affineParams(0, 0));
    for (const [min, max, bad] of [[3, 1, /\b3\b/], [Number.NaN, 1, /NaN/], [0, Infinity, /Infinity/], [-Infinity, 2, /Infinity/]] as const) {
      const error = errorFrom(() => affineParams(min, max));
      expect(error, `affineParams(${min}, ${max})`).toBeInstanceOf(RangeError);
      expect(error.message, `affineParams(${min}, ${max})`).toMatch(bad);
    }
  },
);
