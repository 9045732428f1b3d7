// Tests the TypeScript feature pipeline against the independent numpy computation in
// fixtures/features-fixture.json (written by make-fixture.py; numpy.fft, vectorised mel matrix, FFT-based DCT).
// Tolerances: window/mel matrix 1e-12 (same formulas in float64); power spectrum 1e-9 relative to the
// frame's peak; log-mel and MFCC 1e-4 absolute (our outputs are float32: values up to ~14 carry ~1e-6 error).
import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import {
  frontEndCosts,
  hannWindow,
  logMelSpectrogram,
  melFilterbank,
  mfcc,
  mfccFromLogMel,
  MICRO_SPEECH_CONFIG,
  powerSpectrogram,
  resolveConfig,
} from "./features";
import { rfft } from "./fft";

interface Fixture {
  config: typeof MICRO_SPEECH_CONFIG;
  signalInt16Base64: string;
  frames: number;
  window: number[];
  powerFrames: Record<string, number[]>;
  melMatrix: number[][];
  logMel: number[];
  mfcc: number[];
  rfftInput: number[];
  rfftRe: number[];
  rfftIm: number[];
}

const fixture: Fixture = JSON.parse(
  fs.readFileSync(path.join(__dirname, "fixtures", "features-fixture.json"), "utf8"),
);
const pcm = (() => {
  const buf = Buffer.from(fixture.signalInt16Base64, "base64");
  const out = new Float64Array(buf.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = buf.readInt16LE(2 * i) / 32768;
  return out;
})();

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe("audio features vs numpy fixture", () => {
  it("uses the same configuration as the fixture (micro_speech-like defaults)", () => {
    expect(resolveConfig()).toEqual(fixture.config);
    expect(pcm.length).toBe(16000);
  });

  it("rfft matches numpy.fft.rfft", () => {
    const { re, im } = rfft(fixture.rfftInput);
    expect(maxAbsDiff(re, fixture.rfftRe)).toBeLessThan(1e-10);
    expect(maxAbsDiff(im, fixture.rfftIm)).toBeLessThan(1e-10);
  });

  it("periodic Hann window and HTK mel filterbank match", () => {
    expect(maxAbsDiff(hannWindow(480), fixture.window)).toBeLessThan(1e-12);
    const fb = melFilterbank(resolveConfig());
    expect(fb.length).toBe(40);
    fb.forEach((row, m) => expect(maxAbsDiff(row, fixture.melMatrix[m])).toBeLessThan(1e-9));
    // every filter must catch at least one FFT bin, or a mel channel would be constant
    for (const row of fb) expect(Math.max(...row)).toBeGreaterThan(0.3);
  });

  it("power spectrogram frames match", () => {
    const power = powerSpectrogram(pcm);
    expect(power.length).toBe(49);
    for (const [f, want] of Object.entries(fixture.powerFrames)) {
      const peak = Math.max(...want);
      expect(maxAbsDiff(power[Number(f)], want) / peak).toBeLessThan(1e-9);
    }
  });

  it("log-mel is 49x40 and matches to 1e-4", () => {
    const lm = logMelSpectrogram(pcm);
    expect([lm.frames, lm.bins]).toEqual([49, 40]);
    expect(maxAbsDiff(lm.data, fixture.logMel)).toBeLessThan(1e-4);
  });

  it("MFCC is 49x10 and matches to 1e-4 (also when derived from log-mel)", () => {
    const m = mfcc(pcm);
    expect([m.frames, m.coefficients]).toEqual([49, 10]);
    expect(maxAbsDiff(m.data, fixture.mfcc)).toBeLessThan(1e-4);
    const derived = mfccFromLogMel(fixture.logMel, 49, 40, 10);
    expect(maxAbsDiff(derived, fixture.mfcc)).toBeLessThan(1e-4);
  });

  it("rejects bad configurations and short signals with named values", () => {
    expect(() => resolveConfig({ fftSize: 500 })).toThrow(/fftSize must be a power of two.*got 500/);
    expect(() => resolveConfig({ upperHz: 9000 })).toThrow(/upperHz=9000/);
    expect(() => logMelSpectrogram(new Float32Array(100))).toThrow(/100 samples is shorter than one frame \(480\)/);
  });
});

describe("frontEndCosts", () => {
  it("counts each step of the micro_speech-like front end for 1 s (49 frames)", () => {
    const costs = frontEndCosts();
    const melWeights = melFilterbank(resolveConfig()).reduce((s, r) => s + r.filter((w) => w > 0).length, 0);
    expect(costs.map((c) => [c.step, c.macs])).toEqual([
      ["window", 49 * 480], ["fft", 49 * 256 * 9 * 4], ["power", 49 * 257 * 2],
      ["mel", 49 * melWeights], ["log", 49 * 40], ["dct", 49 * 10 * 40],
    ]);
    expect(costs[3].label).toBe(`mel filterbank (${melWeights} non-zero weights)`);
    expect(frontEndCosts({ numMfcc: 13 }, 2)[5].macs).toBe(99 * 13 * 40);
  });
  it("names a bad duration or configuration", () => {
    expect(() => frontEndCosts({}, 0)).toThrow(/seconds must be > 0, got 0/);
    expect(() => frontEndCosts({}, 0.01)).toThrow(/0.01 s is shorter than one frame \(480 samples\)/);
    expect(() => frontEndCosts({ fftSize: 500 })).toThrow(/fftSize must be a power of two/);
  });
});
