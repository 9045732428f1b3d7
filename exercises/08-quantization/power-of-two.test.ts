// Graded tests for lesson 08's power-of-two quantizer (exercises/08-quantization/power-of-two.ts). Run them
// with `npm run grade -- --only 08.5`; each failing test prints its feedback as a hint.
// Hand-worked level sets, then random tensors compared with course-lib/quantize/fake-quant.ts.
import { expect } from "vitest";
import { errorFrom, graded, validCall } from "../../course-lib/grader/graded";
import { mulberry32 } from "../../course-lib/data/random";
import * as reference from "../../course-lib/quantize/fake-quant";
import { quantizePowerOfTwo } from "@exercise/08-quantization/power-of-two";

graded(
  { id: "08.5", points: 2, feedback: "Levels: 0 and ±α·2^−j for j = 0 … 2^(b−1) − 2. 3 bits: 0, ±α/4, ±α/2, ±α; 2 bits: 0, ±α. Nearest level, halfway goes to the larger magnitude, above α clips to α." },
  "the 2- and 3-bit level sets, halfway cases and clipping",
  () => {
    expect(Array.from(quantizePowerOfTwo([1, -0.3, 0.2, 0.1, 0.05], 3, 1))).toEqual([1, -0.25, 0.25, 0, 0]);
    expect(Array.from(quantizePowerOfTwo([0.125, -0.375, 0.75, 3, -0.6], 3, 1))).toEqual([0.25, -0.5, 1, 1, -0.5]);
    expect(Array.from(quantizePowerOfTwo([0.6, 0.5, 0.4, -0.5, 0], 2, 1))).toEqual([1, 1, 0, -1, 0]);
    expect(Array.from(quantizePowerOfTwo([8, -2, 1.2, 0.3], 3))).toEqual([8, -2, 2, 0]); // α = 8: levels 0, 2, 4, 8
    const out = quantizePowerOfTwo([0.5, -0.5], 4, 0);
    expect(out).toBeInstanceOf(Float32Array);
    expect(Array.from(out)).toEqual([0, 0]);
  },
);

graded(
  { id: "08.5", points: 2, feedback: "For b bits there are 2^(b−1) − 1 non-zero magnitudes (8 bits reach α·2^−126); use the data's max|x| when maxAbs is not given." },
  "matches the course's quantizer at 2 to 8 bits on random weights",
  () => {
    const next = mulberry32(85);
    for (let bits = 2; bits <= 8; bits++) {
      const weights = Array.from({ length: 400 }, () => (next() - 0.5) * 10 ** (-3 * next()));
      const what = `${bits} bits`;
      expect({ what, values: Array.from(quantizePowerOfTwo(weights, bits)) }).toEqual({ what, values: Array.from(reference.quantizePowerOfTwo(weights, bits)) });
      expect({ what, clipped: Array.from(quantizePowerOfTwo(weights, bits, 0.01)) }).toEqual({ what, clipped: Array.from(reference.quantizePowerOfTwo(weights, bits, 0.01)) });
    }
  },
);

graded(
  { id: "08.5", points: 1, feedback: "Throw a RangeError naming the value when bits is not a whole number from 2 to 8, or maxAbs is negative or not finite." },
  "rejects bad bit widths and ranges",
  () => {
    validCall("quantizePowerOfTwo([0.5], 2)", () => quantizePowerOfTwo([0.5], 2));
    validCall("quantizePowerOfTwo([0.5], 8, 1)", () => quantizePowerOfTwo([0.5], 8, 1));
    for (const [bits, maxAbs, bad] of [[1, 1, /\b1\b/], [9, 1, /\b9\b/], [3.5, 1, /3\.5/], [4, -1, /-1/], [4, Number.NaN, /NaN/]] as const) {
      const error = errorFrom(() => quantizePowerOfTwo([0.5], bits, maxAbs));
      expect(error, `bits ${bits}, maxAbs ${maxAbs}`).toBeInstanceOf(RangeError);
      expect(error.message, `bits ${bits}, maxAbs ${maxAbs}`).toMatch(bad);
    }
  },
);
