// Graded tests for lesson 08's fixed-point arithmetic (exercises/08-quantization/fixed-point.ts). Run them
// with `npm run grade -- --only 08.2` (or 08.3); each failing test prints its feedback as a hint.
// The known-answer vectors are those of TFLM's and gemmlowp's formulas worked in C (the course's notes,
// ../shared/notes/int8-quantization.md); the random cases are compared with course-lib/quantize/fixed-point.ts,
// which is itself checked against a gcc build of the same formulas on 10^6 cases.
import { expect } from "vitest";
import { errorFrom, graded, validCall } from "../../course-lib/grader/graded";
import { mulberry32 } from "../../course-lib/data/random";
import * as reference from "../../course-lib/quantize/fixed-point";
import {
  multiplyByQuantizedMultiplier, quantizeMultiplier, roundingDivideByPOT, saturatingRoundingDoublingHighMul,
} from "@exercise/08-quantization/fixed-point";

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** (multiplier, shift) with a shift of −0 read as 0 (the same shift). */
const plain = (q: { multiplier: number; shift: number }) => ({ multiplier: q.multiplier, shift: q.shift + 0 });

/** A random int32, biased toward small and extreme magnitudes where the rounding cases live. */
function randomInt32(next: () => number): number {
  const bits = Math.floor(next() * 32);
  const magnitude = Math.floor(next() * 2 ** bits);
  return (next() < 0.5 ? -magnitude : Math.min(magnitude, INT32_MAX)) | 0; // | 0: no −0
}

// ---- 08.2 quantizeMultiplier ----

graded(
  { id: "08.2", points: 2, feedback: "real = q·2^shift with q in [0.5, 1); multiplier = round(q·2^31). 0.25 → (2^30, −1), 1/3 → (1431655765, −1), 3 → (1610612736, 2), 0 → (0, 0), and anything below 2^−32 flushes to (0, 0)." },
  "the notes' table: 0.25, 0.5, 0.75, 1, 1/3, 3, 2^-32, and zero and tiny factors",
  () => {
    const table: [number, number, number][] = [
      [0.25, 2 ** 30, -1], [0.5, 2 ** 30, 0], [0.75, 1610612736, 0], [1, 2 ** 30, 1],
      [1 / 3, 1431655765, -1], [3, 1610612736, 2], [2 ** -32, 2 ** 30, -31],
      [0, 0, 0], [2 ** -33, 0, 0], [1e-12, 0, 0],
    ];
    for (const [real, multiplier, shift] of table) {
      expect({ real, ...plain(quantizeMultiplier(real)) }).toEqual({ real, multiplier, shift });
    }
  },
);

graded(
  { id: "08.2", points: 2, feedback: "Check the edges: powers of two (q must be exactly 0.5, not 1), factors just below a power of two whose q·2^31 rounds up to 2^31 (halve it, shift + 1), and scale ratios from real layers." },
  "agrees with TFLM's rule on powers of two, round-up edges and 2,000 scale ratios",
  () => {
    const reals: number[] = [];
    for (let k = -31; k <= 20; k++) reals.push(2 ** k, 2 ** k * (1 - 2 ** -40), 2 ** k * (1 + 2 ** -30));
    const next = mulberry32(82);
    for (let i = 0; i < 2000; i++) {
      const sIn = Math.fround(10 ** (-4 * next())), sW = Math.fround(10 ** (-4 * next())), sOut = Math.fround(10 ** (-3 * next()));
      reals.push((sIn * sW) / sOut);
    }
    for (const real of reals) expect({ real, ...plain(quantizeMultiplier(real)) }).toEqual({ real, ...plain(reference.quantizeMultiplier(real)) });
  },
);

graded(
  { id: "08.2", points: 1, feedback: "quantizeMultiplier throws a RangeError naming the value for a negative, NaN or infinite factor." },
  "rejects negative and non-finite factors",
  () => {
    validCall("quantizeMultiplier(0.5)", () => quantizeMultiplier(0.5));
    validCall("quantizeMultiplier(0)", () => quantizeMultiplier(0));
    for (const [real, bad] of [[-0.5, /-0\.5/], [Number.NaN, /NaN/], [Infinity, /Infinity/]] as const) {
      const error = errorFrom(() => quantizeMultiplier(real));
      expect(error, `quantizeMultiplier(${real})`).toBeInstanceOf(RangeError);
      expect(error.message, `quantizeMultiplier(${real})`).toMatch(bad);
    }
  },
);

// ---- 08.3 saturatingRoundingDoublingHighMul, roundingDivideByPOT, multiplyByQuantizedMultiplier ----

graded(
  { id: "08.3", points: 2, feedback: "SRDHM = floor((a·b + 2^30) / 2^31), exact in 64 bits (ties toward +∞: SRDHM(−1, 2^30) = 0), INT32_MIN × INT32_MIN → INT32_MAX. RoundingDivideByPOT rounds ties away from zero: RDBPOT(−1, 1) = −1, RDBPOT(−3, 1) = −2." },
  "the high multiply and the rounding shift on the known-answer vectors and 20,000 random cases",
  () => {
    const srdhm: [number, number, number][] = [
      [1, 2 ** 30, 1], [-1, 2 ** 30, 0], [-3, 2 ** 30, -1], [3, 2 ** 30, 2], [INT32_MIN, INT32_MIN, INT32_MAX],
      [INT32_MAX, INT32_MAX, 2147483646], [INT32_MIN, INT32_MAX, -2147483647], [0, INT32_MIN, 0],
    ];
    for (const [a, b, expected] of srdhm) expect({ a, b, result: saturatingRoundingDoublingHighMul(a, b) }).toEqual({ a, b, result: expected });
    const rdbpot: [number, number, number][] = [
      [-1, 1, -1], [-3, 1, -2], [3, 1, 2], [1, 1, 1], [5, 0, 5], [-5, 0, -5], [-6, 2, -2], [6, 2, 2], [-7, 2, -2],
      [INT32_MAX, 31, 1], [INT32_MIN, 31, -1], [2 ** 30, 31, 1], [-(2 ** 30), 31, -1], [2 ** 30 - 1, 31, 0],
    ];
    for (const [x, e, expected] of rdbpot) expect({ x, e, result: roundingDivideByPOT(x, e) }).toEqual({ x, e, result: expected });
    const next = mulberry32(83);
    for (let i = 0; i < 10000; i++) {
      const a = randomInt32(next), b = randomInt32(next), e = Math.floor(next() * 32);
      expect({ a, b, result: saturatingRoundingDoublingHighMul(a, b) }).toEqual({ a, b, result: reference.saturatingRoundingDoublingHighMul(a, b) });
      expect({ a, e, result: roundingDivideByPOT(a, e) }).toEqual({ a, e, result: reference.roundingDivideByPOT(a, e) });
    }
  },
);

graded(
  { id: "08.3", points: 3, feedback: "MultiplyByQuantizedMultiplier = RDBPOT(SRDHM(x·2^max(shift,0), M), max(−shift,0)): two roundings. With M = 2^30, shift −1: 1 → 1, 5 → 2, −2 → −1, −6 → −2, 6 → 2 (one exact rounding would give 0, 1, 0, −1, 2)." },
  "requantizes with TFLM's double rounding: the negative ties, large shifts and 20,000 random cases",
  () => {
    const ties: [number, number][] = [[1, 1], [5, 2], [-2, -1], [-6, -2], [6, 2]];
    for (const [x, expected] of ties) expect({ x, result: multiplyByQuantizedMultiplier(x, 2 ** 30, -1) }).toEqual({ x, result: expected });
    const known: [number, number, number, number][] = [
      [-5, 2 ** 30, 0, -2], [5, 2 ** 30, 0, 3], [100, 2 ** 30, 1, 100], [3, 1610612736, 2, 9], [12345, 1431655765, -1, 4115],
      [INT32_MIN, INT32_MAX, 0, -2147483647], [INT32_MAX, 2 ** 30, -31, 1], [1, INT32_MAX, 30, 1073741824],
    ];
    for (const [x, m, shift, expected] of known) {
      expect({ x, m, shift, result: multiplyByQuantizedMultiplier(x, m, shift) }).toEqual({ x, m, shift, result: expected });
    }
    const next = mulberry32(84);
    for (let i = 0; i < 20000; i++) {
      const x = randomInt32(next), m = 2 ** 30 + Math.floor(next() * 2 ** 30), shift = -Math.floor(next() * 32);
      expect({ x, m, shift, result: multiplyByQuantizedMultiplier(x, m, shift) }).toEqual({ x, m, shift, result: reference.multiplyByQuantizedMultiplier(x, m, shift) });
    }
    for (let x = -5000; x <= 5000; x++) {
      expect({ x, result: multiplyByQuantizedMultiplier(x, 1518500250, -7) }).toEqual({ x, result: reference.multiplyByQuantizedMultiplier(x, 1518500250, -7) });
    }
  },
);

graded(
  { id: "08.3", points: 1, feedback: "multiplyByQuantizedMultiplier throws a RangeError naming the value when x or multiplier is not an int32 or shift is not an integer in [−31, 30]." },
  "rejects out-of-range shifts and values that are not int32",
  () => {
    validCall("multiplyByQuantizedMultiplier(6, 2^30, -1)", () => multiplyByQuantizedMultiplier(6, 2 ** 30, -1));
    validCall("multiplyByQuantizedMultiplier(-1, 2^30, 30)", () => multiplyByQuantizedMultiplier(-1, 2 ** 30, 30));
    const bad: [number, number, number, RegExp][] = [
      [1, 2 ** 30, 31, /\b31\b/], [1, 2 ** 30, -32, /-32/], [1, 2 ** 30, 1.5, /1\.5/],
      [2 ** 31, 2 ** 30, 0, /2147483648/], [0.5, 2 ** 30, 0, /0\.5/], [1, 2 ** 31, 0, /2147483648/],
    ];
    for (const [x, m, shift, pattern] of bad) {
      const error = errorFrom(() => multiplyByQuantizedMultiplier(x, m, shift));
      expect(error, `multiplyByQuantizedMultiplier(${x}, ${m}, ${shift})`).toBeInstanceOf(RangeError);
      expect(error.message, `multiplyByQuantizedMultiplier(${x}, ${m}, ${shift})`).toMatch(pattern);
    }
  },
);
