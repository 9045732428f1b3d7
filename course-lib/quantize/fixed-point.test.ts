// Tests of the fixed-point primitives: the known-answer vectors of the notes (shared/notes/int8-quantization.md
// §2 and "Specification points": the double- vs single-rounding table, negative ties, shift 0, large shifts,
// INT32_MIN² saturation, the quantizeMultiplier table), and 10^6 random (x, M, shift) cases in both rounding
// modes plus random SRDHM/RDBPOT/quantizeMultiplier/MEAN-fold cases against course-lib/deploy/c/fixed_point.h
// compiled with the host gcc at test time (the C uses int64 arithmetic, libm frexp/round: an independent route
// to the same numbers).
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describe, expect, it } from "vitest";
import {
  foldMeanMultiplier,
  frexp,
  multiplyByQuantizedMultiplier,
  multiplyByQuantizedMultiplierDouble,
  multiplyByQuantizedMultiplierSingle,
  quantizeMultiplier,
  quantizeMultiplierSmallerThanOneExp,
  roundingDivideByPOT,
  saturatingRoundingDoublingHighMul,
} from "./fixed-point";
import { mulberry32 } from "../data/random";

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const M_HALF = 2 ** 30; // multiplier 2^30 with shift −1 is the real factor 0.25

describe("known-answer vectors from the notes", () => {
  it("double vs single rounding of x·0.25 (M = 2^30, shift −1)", () => {
    const cases: [number, number, number][] = [
      // x, double (TFLM), single (XNNPACK)
      [1, 1, 0],
      [5, 2, 1],
      [-2, -1, 0],
      [-6, -2, -1],
      [6, 2, 2],
    ];
    for (const [x, double, single] of cases) {
      expect(multiplyByQuantizedMultiplier(x, M_HALF, -1), `double x=${x}`).toBe(double);
      expect(multiplyByQuantizedMultiplier(x, M_HALF, -1, "single"), `single x=${x}`).toBe(single);
    }
  });

  it("SaturatingRoundingDoublingHighMul: ties toward +∞ and the one saturation", () => {
    expect(saturatingRoundingDoublingHighMul(-1, M_HALF)).toBe(0); // −0.5 → 0
    expect(saturatingRoundingDoublingHighMul(-3, M_HALF)).toBe(-1); // −1.5 → −1
    expect(saturatingRoundingDoublingHighMul(1, M_HALF)).toBe(1); // 0.5 → 1
    expect(saturatingRoundingDoublingHighMul(INT32_MIN, INT32_MIN)).toBe(INT32_MAX);
    expect(saturatingRoundingDoublingHighMul(INT32_MIN, INT32_MAX)).toBe(-INT32_MAX); // −2^31·(2^31−1)/2^31, exact
    expect(saturatingRoundingDoublingHighMul(INT32_MAX, INT32_MAX)).toBe(INT32_MAX - 1); // 2^62−2^32+1 over 2^31
  });

  it("RoundingDivideByPOT: ties away from zero", () => {
    expect(roundingDivideByPOT(-1, 1)).toBe(-1);
    expect(roundingDivideByPOT(-3, 1)).toBe(-2);
    expect(roundingDivideByPOT(3, 1)).toBe(2);
    expect(roundingDivideByPOT(1, 1)).toBe(1);
    expect(roundingDivideByPOT(-5, 0)).toBe(-5); // exponent 0 is the identity
    expect(roundingDivideByPOT(INT32_MIN, 31)).toBe(-1);
    expect(roundingDivideByPOT(INT32_MAX, 31)).toBe(1);
    expect(roundingDivideByPOT(2 ** 30, 31)).toBe(1); // exactly 0.5 → 1
    expect(roundingDivideByPOT(-(2 ** 30), 31)).toBe(-1); // exactly −0.5 → −1
    expect(() => roundingDivideByPOT(1, 32)).toThrow(/exponent/);
  });

  it("shift 0 and large positive/negative shifts", () => {
    // shift 0: x·M/2^31 with one rounding in SRDHM, no right shift.
    expect(multiplyByQuantizedMultiplier(3, M_HALF, 0)).toBe(2); // 1.5 → 2
    expect(multiplyByQuantizedMultiplier(-3, M_HALF, 0)).toBe(-1); // −1.5 → −1 (toward +∞)
    expect(multiplyByQuantizedMultiplier(-3, M_HALF, 0, "single")).toBe(-1);
    // shift +30 with M = 2^30: x·2^29.
    expect(multiplyByQuantizedMultiplier(1, M_HALF, 30)).toBe(2 ** 29);
    expect(multiplyByQuantizedMultiplier(3, M_HALF, 30, "single")).toBe(3 * 2 ** 29);
    // Double rounding shifts x left in int32 first: 3·2^30 wraps to −2^30 as C's int32 multiply does on the
    // MCU (the random C comparison below covers such cases), while single rounding's int64 product does not.
    expect(multiplyByQuantizedMultiplier(3, M_HALF, 30)).toBe(-(2 ** 29));
    // shift −31: x·M/2^62.
    expect(multiplyByQuantizedMultiplier(INT32_MAX, INT32_MAX, -31)).toBe(1); // 1 − 2^−30 → 1
    expect(multiplyByQuantizedMultiplier(INT32_MAX, INT32_MAX, -31, "single")).toBe(1);
    expect(multiplyByQuantizedMultiplier(INT32_MIN, M_HALF, -31)).toBe(-1); // exactly −0.5: away from zero
    expect(multiplyByQuantizedMultiplier(INT32_MIN, M_HALF, -31, "single")).toBe(0); // toward +∞
    expect(multiplyByQuantizedMultiplier(M_HALF, M_HALF, -31)).toBe(0); // 0.25
    expect(() => multiplyByQuantizedMultiplier(1, M_HALF, 31)).toThrow(/shift/);
    expect(() => multiplyByQuantizedMultiplier(1, -1, 0, "single")).toThrow(/multiplier/);
    expect(() => multiplyByQuantizedMultiplier(0.5, M_HALF, 0)).toThrow(/int32/);
    // A single-rounding result outside int32 is an error, not a wrapped value.
    expect(() => multiplyByQuantizedMultiplier(INT32_MAX, INT32_MAX, 30, "single")).toThrow(/int32/);
  });

  it("M = 1518500250, shift −7 over [−10^5, 10^5]: 770 results differ between the modes, each by 1", () => {
    let differ = 0;
    let maxDiff = 0;
    for (let x = -100000; x <= 100000; x++) {
      const d = Math.abs(multiplyByQuantizedMultiplierDouble(x, 1518500250, -7) - multiplyByQuantizedMultiplierSingle(x, 1518500250, -7));
      if (d) differ++;
      maxDiff = Math.max(maxDiff, d);
    }
    expect(differ).toBe(770);
    expect(maxDiff).toBe(1);
  });

  it("quantizeMultiplier table", () => {
    const table: [number, number, number][] = [
      [0.25, 2 ** 30, -1],
      [0.5, 2 ** 30, 0],
      [0.75, 1610612736, 0],
      [1.0, 2 ** 30, 1],
      [1 / 3, 1431655765, -1],
      [3.0, 1610612736, 2],
      [2 ** -32, 2 ** 30, -31],
      [0, 0, 0],
      [2 ** -33, 0, 0], // below 2^−32 flushes to (0, 0)
    ];
    for (const [real, multiplier, shift] of table) expect(quantizeMultiplier(real), `${real}`).toEqual({ multiplier, shift });
    // q·2^31 rounding up to 2^31 renormalises: 1 − 2^−33 → (2^30, 1).
    expect(quantizeMultiplier(1 - 2 ** -33)).toEqual({ multiplier: 2 ** 30, shift: 1 });
    // Only single rounding saturates shifts above 30.
    expect(quantizeMultiplier(2 ** 40)).toEqual({ multiplier: 2 ** 30, shift: 41 });
    expect(quantizeMultiplier(2 ** 40, "single")).toEqual({ multiplier: INT32_MAX, shift: 30 });
    expect(quantizeMultiplierSmallerThanOneExp(0.5)).toEqual({ multiplier: 2 ** 30, shift: 0 });
    expect(() => quantizeMultiplierSmallerThanOneExp(1)).toThrow(/\(0, 1\)/);
    expect(() => quantizeMultiplierSmallerThanOneExp(1 - 2 ** -33)).toThrow(/≥ 1/);
  });

  it("frexp matches the IEEE fields, subnormals included", () => {
    expect(frexp(1)).toEqual({ fraction: 0.5, exponent: 1 });
    expect(frexp(-3)).toEqual({ fraction: -0.75, exponent: 2 });
    expect(frexp(5e-324)).toEqual({ fraction: 0.5, exponent: -1073 });
  });

  it("MEAN fold: (M << k)/N with k = min(floor(log2 N), 32, 31 + shift)", () => {
    // s_in/s_out = 1, N = 49 (7×7 global pool): M = 2^30, shift 1 → k = 5, M' = 2^35/49 truncated, shift −4.
    expect(foldMeanMultiplier({ multiplier: 2 ** 30, shift: 1 }, 49)).toEqual({ multiplier: Math.floor(2 ** 35 / 49), shift: -4 });
    // k is capped by 31 + shift: shift −29 allows k ≤ 2 even for N = 64.
    expect(foldMeanMultiplier({ multiplier: 2 ** 30, shift: -29 }, 64)).toEqual({ multiplier: 2 ** 32 / 64, shift: -31 });
    expect(foldMeanMultiplier({ multiplier: 1431655765, shift: 0 }, 1)).toEqual({ multiplier: 1431655765, shift: 0 });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Against the C header, compiled with gcc.

function findGcc(): string | null {
  try {
    execFileSync("gcc", ["--version"], { stdio: "ignore" });
    return "gcc";
  } catch {
    return null;
  }
}

const GCC = findGcc();
const HEADER = path.resolve(__dirname, "../deploy/c/fixed_point.h");

const DRIVER = `
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fixed_point.h"
/* usage: driver MODE IN OUT. Binary little-endian records in, records out. */
int main(int argc, char** argv) {
  FILE* in = fopen(argv[2], "rb"); FILE* out = fopen(argv[3], "wb");
  if (!in || !out) return 2;
  if (!strcmp(argv[1], "mbqm")) { /* (x, M, shift) -> (double, single, single_fits) */
    int32_t r[3];
    while (fread(r, 4, 3, in) == 3) {
      const int64_t total = 31 - r[2];
      const int64_t wide = ((int64_t)r[0] * r[1] + ((int64_t)1 << (total - 1))) >> total;
      int32_t o[3] = { fp_multiply_by_quantized_multiplier(r[0], r[1], r[2]), 0, wide >= INT32_MIN && wide <= INT32_MAX };
      o[1] = o[2] ? fp_multiply_by_quantized_multiplier_single(r[0], r[1], r[2]) : 0;
      fwrite(o, 4, 3, out);
    }
  } else if (!strcmp(argv[1], "srdhm")) { /* (a, b, e) -> (srdhm(a, b), rdbpot(a, e)) */
    int32_t r[3];
    while (fread(r, 4, 3, in) == 3) {
      int32_t o[2] = { fp_saturating_rounding_doubling_high_mul(r[0], r[1]), fp_rounding_divide_by_pot(r[0], r[2]) };
      fwrite(o, 4, 2, out);
    }
  } else if (!strcmp(argv[1], "qm")) { /* real -> (M, shift, M_single, shift_single) */
    double d;
    while (fread(&d, 8, 1, in) == 1) {
      int32_t o[4]; int s0, s1;
      fp_quantize_multiplier(d, 0, &o[0], &s0); fp_quantize_multiplier(d, 1, &o[2], &s1);
      o[1] = s0; o[3] = s1;
      fwrite(o, 4, 4, out);
    }
  } else if (!strcmp(argv[1], "fold")) { /* (M, shift, count) -> (M', shift') */
    int32_t r[3];
    while (fread(r, 4, 3, in) == 3) {
      int32_t m = r[0]; int s = r[1];
      fp_fold_mean_multiplier(&m, &s, r[2]);
      int32_t o[2] = { m, s };
      fwrite(o, 4, 2, out);
    }
  } else return 3;
  fclose(in); fclose(out);
  return 0;
}
`;

function int32View(buffer: Buffer): Int32Array {
  const copy = new Uint8Array(buffer.length);
  copy.set(buffer);
  return new Int32Array(copy.buffer);
}

describe.skipIf(!GCC)(GCC ? "against fixed_point.h compiled with gcc" : "against fixed_point.h: SKIPPED, gcc is not on PATH", () => {
  let dir = "";
  let driver = "";
  const runDriver = (mode: string, input: Int32Array | Float64Array): Int32Array => {
    const inFile = path.join(dir, `${mode}.in`);
    const outFile = path.join(dir, `${mode}.out`);
    fs.writeFileSync(inFile, new Uint8Array(input.buffer, input.byteOffset, input.byteLength));
    execFileSync(driver, [mode, inFile, outFile]);
    return int32View(fs.readFileSync(outFile));
  };
  const setup = (): void => {
    if (driver) return;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "fixed-point-"));
    fs.writeFileSync(path.join(dir, "driver.c"), DRIVER);
    driver = path.join(dir, "driver");
    execFileSync(GCC as string, ["-O2", "-std=c99", "-Wall", "-Werror", "-I", path.dirname(HEADER), "-o", driver, path.join(dir, "driver.c"), "-lm"]);
  };

  it("multiplyByQuantizedMultiplier: 10^6 random (x, M, shift), both rounding modes", () => {
    setup();
    const rand = mulberry32(20260901);
    const n = 1_000_000;
    const cases = new Int32Array(3 * n);
    for (let i = 0; i < n; i++) {
      const kind = rand();
      let x: number;
      let m: number;
      let shift = Math.floor(rand() * 62) - 31; // −31..30
      if (kind < 0.35) x = (rand() * 2 ** 32 - 2 ** 31) | 0;
      else if (kind < 0.65) x = Math.floor((rand() - 0.5) * 2 ** 17);
      else if (kind < 0.85) x = Math.floor((rand() - 0.5) * 2 ** 25);
      else {
        // Exact ties of the final shift: M = 2^30 halves, then x an odd multiple of 2^(right − 1).
        shift = -Math.floor(rand() * 20) - 1;
        x = (2 * Math.floor((rand() - 0.5) * 2 ** 8) + 1) * 2 ** (-shift - 1);
      }
      if (kind >= 0.85) m = M_HALF;
      else m = rand() < 0.8 ? 2 ** 30 + Math.floor(rand() * 2 ** 30) : Math.floor(rand() * 2 ** 31);
      cases[3 * i] = x;
      cases[3 * i + 1] = m;
      cases[3 * i + 2] = shift;
    }
    const c = runDriver("mbqm", cases);
    let doubleMismatch = 0;
    let singleMismatch = 0;
    let singleOutOfRange = 0;
    for (let i = 0; i < n; i++) {
      const x = cases[3 * i], m = cases[3 * i + 1], s = cases[3 * i + 2];
      if (multiplyByQuantizedMultiplierDouble(x, m, s) !== c[3 * i]) doubleMismatch++;
      if (c[3 * i + 2]) {
        if (multiplyByQuantizedMultiplierSingle(x, m, s) !== c[3 * i + 1]) singleMismatch++;
      } else {
        singleOutOfRange++;
        try {
          multiplyByQuantizedMultiplierSingle(x, m, s);
          singleMismatch++; // C says the result does not fit int32: TS must refuse it
        } catch (err) {
          if (!/int32/.test((err as Error).message)) throw err;
        }
      }
    }
    expect(doubleMismatch).toBe(0);
    expect(singleMismatch).toBe(0);
    expect(singleOutOfRange).toBeGreaterThan(1000); // the range check itself is exercised
    expect(singleOutOfRange).toBeLessThan(n / 2);
  });

  it("SRDHM and RDBPOT on 200k random int32 pairs, all signs", () => {
    setup();
    const rand = mulberry32(7);
    const n = 200_000;
    const cases = new Int32Array(3 * n);
    for (let i = 0; i < n; i++) {
      cases[3 * i] = rand() < 0.1 ? INT32_MIN : (rand() * 2 ** 32 - 2 ** 31) | 0;
      cases[3 * i + 1] = rand() < 0.1 ? INT32_MIN : (rand() * 2 ** 32 - 2 ** 31) | 0;
      cases[3 * i + 2] = Math.floor(rand() * 32);
    }
    const c = runDriver("srdhm", cases);
    let mismatches = 0;
    for (let i = 0; i < n; i++) {
      if (saturatingRoundingDoublingHighMul(cases[3 * i], cases[3 * i + 1]) !== c[2 * i]) mismatches++;
      if (roundingDivideByPOT(cases[3 * i], cases[3 * i + 2]) !== c[2 * i + 1]) mismatches++;
    }
    expect(mismatches).toBe(0);
  });

  it("quantizeMultiplier on 200k random doubles (incl. exact .5 ties of q·2^31) vs frexp/round", () => {
    setup();
    const rand = mulberry32(11);
    const n = 200_000;
    const reals = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const e = Math.floor(rand() * 90) - 50; // 2^−50 .. 2^40: flushes, normal range, shift saturation
      if (rand() < 0.2) {
        // q·2^31 = k + 0.5 exactly: a tie of the half-away-from-zero round.
        const k = 2 ** 30 + Math.floor(rand() * 2 ** 30);
        reals[i] = ((k + 0.5) / 2 ** 31) * 2 ** e * (rand() < 0.5 ? -1 : 1);
      } else {
        reals[i] = (0.5 + rand() / 2) * 2 ** e * (rand() < 0.1 ? -1 : 1);
      }
    }
    const c = runDriver("qm", reals);
    let mismatches = 0;
    for (let i = 0; i < n; i++) {
      const d = quantizeMultiplier(reals[i]);
      const s = quantizeMultiplier(reals[i], "single");
      if (d.multiplier !== c[4 * i] || d.shift !== c[4 * i + 1] || s.multiplier !== c[4 * i + 2] || s.shift !== c[4 * i + 3]) mismatches++;
    }
    expect(mismatches).toBe(0);
  });

  it("MEAN fold on 50k random (M, shift, N)", () => {
    setup();
    const rand = mulberry32(13);
    const n = 50_000;
    const cases = new Int32Array(3 * n);
    for (let i = 0; i < n; i++) {
      cases[3 * i] = 2 ** 30 + Math.floor(rand() * 2 ** 30);
      cases[3 * i + 1] = Math.floor(rand() * 40) - 31;
      cases[3 * i + 2] = 1 + Math.floor(rand() < 0.5 ? rand() * 64 : rand() * 2 ** 20);
    }
    const c = runDriver("fold", cases);
    let mismatches = 0;
    for (let i = 0; i < n; i++) {
      const f = foldMeanMultiplier({ multiplier: cases[3 * i], shift: cases[3 * i + 1] }, cases[3 * i + 2]);
      if (f.multiplier !== c[2 * i] || f.shift !== c[2 * i + 1]) mismatches++;
    }
    expect(mismatches).toBe(0);
  });
});
