// The tables of the C front end, checked in TypeScript against the definitions they come from: the sparse
// filterbank is melFilterbank without its zeros, the rounding thresholds reproduce generate-keywords.ts's
// Math.round on every float32 (at and next to each threshold), the twiddles are e^(−2πik/N), and cFloat's
// literals name the float32 they were made from.
import { describe, expect, it } from "vitest";
import { MICRO_SPEECH_CONFIG, logMelSpectrogram, melFilterbank } from "../data/audio/features";
import { quantisedLogMel } from "../data/generate-keywords";
import { mulberry32 } from "../data/random";
import { cFloat, fftTwiddles, float32Bits, float32FromBits, frontEndTables, logMelThresholds, logMelToUint8, sparseMelFilterbank } from "./frontend-tables";

const stats = (n: number) => ({ mean: Array.from({ length: n }, (_, i) => -5 + 0.1 * i), std: Array.from({ length: n }, (_, i) => 1 + 0.05 * i) });

describe("front-end tables", () => {
  it("the sparse filterbank is melFilterbank's non-zero weights, contiguous per triangle", () => {
    const dense = melFilterbank(MICRO_SPEECH_CONFIG);
    const sparse = sparseMelFilterbank(MICRO_SPEECH_CONFIG);
    expect(sparse).toHaveLength(40);
    sparse.forEach((row, m) => {
      const rebuilt = new Float64Array(257);
      rebuilt.set(row.weights, row.first);
      expect(Array.from(rebuilt)).toEqual(Array.from(dense[m]));
      expect(row.weights.every((w) => w > 0)).toBe(true);
    });
    const weights = sparse.reduce((s, r) => s + r.weights.length, 0);
    expect(weights).toBeLessThan(600); // of 40 × 257 = 10 280 in the dense table
    expect(frontEndTables({ features: "logmel", normalization: stats(40), input: { scale: 0.04, zeroPoint: 3 } }).melWeights).toBe(weights);
  });

  it("the thresholds reproduce generate-keywords.ts's rounding on every float32, exactly", () => {
    const t = logMelThresholds();
    const count = (x: number) => t.reduce((n, v) => n + (x >= v ? 1 : 0), 0);
    for (let j = 0; j < 255; j++) {
      const below = float32FromBits(t[j] > 0 ? float32Bits(t[j]) - 1 : float32Bits(t[j]) + 1);
      expect([count(t[j]), logMelToUint8(t[j])]).toEqual([j + 1, j + 1]);
      expect([count(below), logMelToUint8(below)]).toEqual([j, j]);
      if (j > 0) expect(t[j]).toBeGreaterThan(t[j - 1]);
    }
    const random = mulberry32(7);
    for (let i = 0; i < 20_000; i++) {
      const x = Math.fround(-16 + 30 * random());
      expect(count(x)).toBe(logMelToUint8(x));
    }
    // the rounding is generate-keywords.ts's: the same uint8 as quantisedLogMel on a clip
    const pcm = Int16Array.from({ length: 16000 }, (_, i) => Math.round(8000 * Math.sin(i * 0.05) * Math.sin(i * 0.0007) + 500 * (random() - 0.5)));
    const logMel = logMelSpectrogram(Float64Array.from(pcm, (v) => v / 32768));
    expect(Array.from(logMel.data, logMelToUint8)).toEqual(Array.from(quantisedLogMel(pcm)));
  });

  it("twiddles are e^(−2πik/N) with exact zeros at the quarter turns; cFloat names the float32 exactly", () => {
    const w = fftTwiddles(512);
    expect([w[0], w[1], w[256], w[257]]).toEqual([1, 0, 0, -1]); // k = 0 and k = 128 (π/2)
    for (let k = 0; k < 256; k++) {
      expect(w[2 * k]).toBe(Math.fround(k === 128 ? 0 : Math.cos((2 * Math.PI * k) / 512)));
      expect(w[2 * k + 1]).toBe(Math.fround(0 - Math.sin((2 * Math.PI * k) / 512)));
    }
    expect([cFloat(1), cFloat(0), cFloat(0.5), cFloat(1e-6), cFloat(-0.693145751953125)]).toEqual(["1.0f", "0.0f", "0.5f", "9.99999997e-7f", "-0.693145752f"]);
    const random = mulberry32(3);
    for (let i = 0; i < 2000; i++) {
      const x = Math.fround((random() - 0.5) * Math.pow(10, Math.floor(random() * 20) - 10));
      expect(Math.fround(Number(cFloat(x).slice(0, -1)))).toBe(x);
    }
    expect(() => cFloat(Infinity)).toThrow(/Infinity is not a finite float32/);
  });

  it("checks its options, naming the bad value", () => {
    const ok = { features: "logmel" as const, normalization: stats(40), input: { scale: 0.04, zeroPoint: 3 } };
    expect(frontEndTables(ok).files["frontend_tables.h"]).toContain("#define FE_INPUT_ZERO_POINT 3");
    expect(frontEndTables({ ...ok, features: "mfcc", normalization: stats(10) }).files["frontend_tables.c"]).toContain("fe_dct[FE_NUM_MFCC * FE_MEL_BINS]");
    expect(() => frontEndTables({ ...ok, features: "mfcc" })).toThrow(/normalization must hold 10 means and 10 stds .* got 40 and 40/);
    expect(() => frontEndTables({ ...ok, features: "raw" as never })).toThrow(/features must be "logmel" or "mfcc", got "raw"/);
    expect(() => frontEndTables({ ...ok, normalization: { mean: stats(40).mean, std: [...stats(39).std, 0] } })).toThrow(/std\[39\] must be a positive number, got 0/);
    expect(() => frontEndTables({ ...ok, input: { scale: 0, zeroPoint: 0 } })).toThrow(/input.scale must be a positive number, got 0/);
    expect(() => frontEndTables({ ...ok, input: { scale: 0.1, zeroPoint: 128 } })).toThrow(/zeroPoint must be an int8, got 128/);
  });
});
