// Tests for the radix-2 FFTs: against a direct DFT over many sizes, and the error paths.
import { describe, expect, it } from "vitest";
import { dftReal, fftInPlace, rfft } from "./fft";
import { SeededRandom } from "../seeded";

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe("rfft", () => {
  it("matches a direct DFT for every power of two from 2 to 1024", () => {
    const rng = new SeededRandom(1);
    for (let n = 2; n <= 1024; n *= 2) {
      const x = Float64Array.from({ length: n }, () => rng.normal());
      const fast = rfft(x);
      const slow = dftReal(x);
      // Error grows like log(n) * eps * sum|x|; 1e-10 * n is generous but catches any wrong twiddle.
      expect(maxAbsDiff(fast.re, slow.re)).toBeLessThan(1e-10 * n);
      expect(maxAbsDiff(fast.im, slow.im)).toBeLessThan(1e-10 * n);
    }
  });

  it("puts a pure cosine in exactly one bin", () => {
    const n = 64;
    const x = Float64Array.from({ length: n }, (_, t) => Math.cos((2 * Math.PI * 5 * t) / n));
    const { re, im } = rfft(x);
    for (let k = 0; k <= n / 2; k++) {
      expect(re[k]).toBeCloseTo(k === 5 ? n / 2 : 0, 9);
      expect(im[k]).toBeCloseTo(0, 9);
    }
  });

  it("rejects lengths that are not powers of two, naming the length", () => {
    expect(() => rfft(new Float64Array(480))).toThrow(/power of two, got 480/);
    expect(() => fftInPlace(new Float64Array(8), new Float64Array(4))).toThrow(/im has 4/);
  });
});

describe("fftInPlace", () => {
  it("matches a direct complex DFT", () => {
    const rng = new SeededRandom(2);
    const n = 128;
    const re = Float64Array.from({ length: n }, () => rng.normal());
    const im = Float64Array.from({ length: n }, () => rng.normal());
    const wantRe = new Float64Array(n);
    const wantIm = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      for (let t = 0; t < n; t++) {
        const a = (-2 * Math.PI * ((k * t) % n)) / n;
        wantRe[k] += re[t] * Math.cos(a) - im[t] * Math.sin(a);
        wantIm[k] += re[t] * Math.sin(a) + im[t] * Math.cos(a);
      }
    }
    fftInPlace(re, im);
    expect(maxAbsDiff(re, wantRe)).toBeLessThan(1e-9);
    expect(maxAbsDiff(im, wantIm)).toBeLessThan(1e-9);
  });
});
