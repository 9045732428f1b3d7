// Graded tests for lesson 05's audio front end (exercises/05-data-for-tiny-devices/features.ts).
// Run them with `npm run grade -- --only 05`; each failing test prints its feedback as a hint.
// Small cases are worked out by hand; the full-size results are compared with the course's own front end
// (course-lib/data/audio/features.ts), which a numpy implementation checks independently
// (course-lib/data/audio/make-fixture.py). Each "rejects ..." test also makes valid calls (validCall): a
// function that throws on every input earns nothing for rejecting.
import { expect } from "vitest";
import { errorFrom, graded, validCall } from "../../course-lib/grader/graded";
import * as reference from "../../course-lib/data/audio/features";
import { applyWindow, frameSignal, hannWindow, hzToMel, melFilterbank, melToHz } from "@exercise/05-data-for-tiny-devices/features";

const rows = (frames: ArrayLike<number>[]) => frames.map((f) => Array.from(f));

/** Largest absolute difference between two matrices of the same shape (fails with a clear message if not). */
function maxAbsDiff(actual: ArrayLike<number>[], expected: ArrayLike<number>[], what: string): number {
  expect(actual.length, `${what}: number of rows`).toBe(expected.length);
  let worst = 0;
  expected.forEach((row, r) => {
    expect(actual[r].length, `${what}: length of row ${r}`).toBe(row.length);
    for (let i = 0; i < row.length; i++) worst = Math.max(worst, Math.abs(actual[r][i] - row[i]));
  });
  return worst;
}

const chirp = Float32Array.from({ length: 16000 }, (_, i) => 0.5 * Math.sin(2 * Math.PI * (200 + 0.2 * i) * (i / 16000)));

// ---- 05.1 frameSignal ----

graded(
  { id: "05.1", points: 2, feedback: "Frame f starts at sample f·hop and has frameLength samples; there are 1 + floor((length - frameLength) / hop) frames and leftover samples at the end are dropped." },
  "cuts a short signal into overlapping frames",
  () => {
    expect(rows(frameSignal([0, 1, 2, 3, 4, 5, 6], 4, 2))).toEqual([[0, 1, 2, 3], [2, 3, 4, 5]]);
    expect(rows(frameSignal([0, 1, 2, 3, 4, 5, 6, 7], 4, 2))).toEqual([[0, 1, 2, 3], [2, 3, 4, 5], [4, 5, 6, 7]]);
    expect(rows(frameSignal([1, 2, 3, 4, 5, 6], 2, 2))).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(rows(frameSignal([9, 8, 7], 3, 5))).toEqual([[9, 8, 7]]);
    expect(rows(frameSignal([1, 2, 3, 4], 1, 3))).toEqual([[1], [4]]);
  },
);

graded(
  { id: "05.1", points: 2, feedback: "A 1 s clip at 16 kHz with 480-sample frames and a 320-sample hop gives 49 frames. Typed arrays (Int16Array, Float32Array) must work, and each frame must be a copy." },
  "frames a 1 s clip like the keyword front end, from typed arrays, as copies",
  () => {
    const frames = frameSignal(chirp, 480, 320);
    expect(frames.length).toBe(49);
    expect(maxAbsDiff(frames, reference.frameSignal(chirp, 480, 320), "49 x 480 frames")).toBe(0);
    const pcm = Int16Array.from([100, -200, 300, -400, 500]);
    const fromInt16 = frameSignal(pcm, 3, 1);
    expect(rows(fromInt16)).toEqual([[100, -200, 300], [-200, 300, -400], [300, -400, 500]]);
    fromInt16[0][0] = 12345;
    expect(pcm[0]).toBe(100);
    expect(fromInt16[1][0]).toBe(-200);
  },
);

graded(
  { id: "05.1", points: 1, feedback: "Throw a RangeError when frameLength or hop is not a positive whole number (put the bad value in the message), and when the signal is shorter than one frame (name both lengths)." },
  "rejects bad frame lengths, hops and too-short signals",
  () => {
    validCall("frameSignal([1, 2, 3], 3, 7) (exactly one frame)", () => frameSignal([1, 2, 3], 3, 7));
    for (const [frameLength, hop, bad] of [[0, 1, "0"], [-4, 2, "-4"], [2.5, 1, "2.5"], [4, 0, "0"], [4, -1, "-1"], [4, 1.5, "1.5"]] as const) {
      const error = errorFrom(() => frameSignal([1, 2, 3, 4, 5, 6, 7, 8], frameLength, hop));
      expect(error, `frameLength ${frameLength}, hop ${hop}`).toBeInstanceOf(RangeError);
      expect(error.message, `frameLength ${frameLength}, hop ${hop}`).toContain(bad);
    }
    const short = errorFrom(() => frameSignal([1, 2, 3], 480, 320));
    expect(short).toBeInstanceOf(RangeError);
    expect(short.message).toMatch(/\b3\b/);
    expect(short.message).toMatch(/\b480\b/);
  },
);

// ---- 05.2 hannWindow, applyWindow ----

graded(
  { id: "05.2", points: 2, feedback: "Periodic Hann: w[i] = 0.5 - 0.5·cos(2π·i / n), dividing by n (not n - 1): hannWindow(4) is [0, 0.5, 1, 0.5]." },
  "the periodic Hann window",
  () => {
    const w4 = Array.from(hannWindow(4));
    [0, 0.5, 1, 0.5].forEach((v, i) => expect(w4[i], `hannWindow(4)[${i}]`).toBeCloseTo(v, 12));
    expect(w4.length).toBe(4);
    expect(Array.from(hannWindow(1))).toEqual([0]);
    const w480 = hannWindow(480);
    expect(w480).toBeInstanceOf(Float64Array);
    expect(maxAbsDiff([w480], [reference.hannWindow(480)], "hannWindow(480)")).toBeLessThan(1e-12);
    expect(w480[240]).toBeCloseTo(1, 12);
    expect(w480[120]).toBeCloseTo(0.5, 12);
  },
);

graded(
  { id: "05.2", points: 1, feedback: "applyWindow multiplies element by element into a NEW Float64Array (leave the frame unchanged), from plain or typed arrays." },
  "applies a window without modifying the frame",
  () => {
    const frame = [2, 4, 6, 8];
    const out = applyWindow(frame, [0, 0.5, 1, 0.5]);
    expect(out).toBeInstanceOf(Float64Array);
    expect(Array.from(out)).toEqual([0, 2, 6, 4]);
    expect(frame).toEqual([2, 4, 6, 8]);
    expect(Array.from(applyWindow(Int16Array.from([-3, 5]), Float32Array.from([2, 0.25])))).toEqual([-6, 1.25]);
  },
);

graded(
  { id: "05.2", points: 1, feedback: "hannWindow(n) throws a RangeError with the bad value when n is not a positive whole number; applyWindow throws a RangeError naming both lengths when frame and window differ in length." },
  "rejects bad lengths: hannWindow's n and a window that does not match the frame",
  () => {
    validCall("hannWindow(1)", () => hannWindow(1));
    validCall("applyWindow([3], [0.5])", () => applyWindow([3], [0.5]));
    for (const [n, bad] of [[0, /(?<![\d.])0(?![\d.])/], [-8, /-8/], [2.5, /2\.5/]] as const) {
      const error = errorFrom(() => hannWindow(n));
      expect(error, `hannWindow(${n})`).toBeInstanceOf(RangeError);
      expect(error.message, `hannWindow(${n})`).toMatch(bad);
    }
    const error = errorFrom(() => applyWindow(new Float64Array(480), new Float64Array(512)));
    expect(error).toBeInstanceOf(RangeError);
    expect(error.message).toMatch(/\b480\b/);
    expect(error.message).toMatch(/\b512\b/);
  },
);

// ---- 05.3 hzToMel, melToHz, melFilterbank ----

graded(
  { id: "05.3", points: 1, feedback: "HTK mel: hzToMel(f) = 2595·log10(1 + f/700); melToHz(m) = 700·(10^(m/2595) - 1) undoes it." },
  "the HTK mel scale and its inverse",
  () => {
    expect(hzToMel(0)).toBe(0);
    expect(hzToMel(700)).toBeCloseTo(2595 * Math.log10(2), 9);
    expect(hzToMel(1000)).toBeCloseTo(999.9855371396244, 9);
    expect(melToHz(0)).toBe(0);
    for (const f of [125, 440, 4000, 7500]) expect(melToHz(hzToMel(f))).toBeCloseTo(f, 8);
  },
);

const MICRO_SPEECH = { sampleRate: 16000, fftSize: 512, numMelBins: 40, lowerHz: 125, upperHz: 7500 };

graded(
  { id: "05.3", points: 3, feedback: "numMelBins + 2 edges equally spaced in MEL from hzToMel(lowerHz) to hzToMel(upperHz), converted back to Hz; triangle m runs edges[m] → edges[m+1] (weight 1) → edges[m+2]; FFT bin k is at k·sampleRate/fftSize Hz; weight = max(0, min(rising, falling))." },
  "the keyword front end's 40 x 257 filterbank matches the course's",
  () => {
    const fb = melFilterbank(MICRO_SPEECH);
    expect(fb.length).toBe(40);
    expect(fb[0].length).toBe(257);
    expect(maxAbsDiff(fb, reference.melFilterbank(reference.resolveConfig(MICRO_SPEECH)), "40 x 257 filterbank")).toBeLessThan(1e-9);
    const nonZero = (row: ArrayLike<number>) => Array.from(row).filter((v) => v > 0).length;
    expect(nonZero(fb[0])).toBe(3);
    expect(nonZero(fb[39])).toBe(27);
  },
);

graded(
  { id: "05.3", points: 2, feedback: "Every option matters: a different sample rate changes where FFT bins sit (k·sampleRate/fftSize), fftSize changes the number of columns (fftSize/2 + 1), and lowerHz/upperHz move the edges." },
  "other sample rates, FFT sizes, bin counts and bands",
  () => {
    const configs = [
      { sampleRate: 8000, fftSize: 256, numMelBins: 20, lowerHz: 20, upperHz: 4000 },
      { sampleRate: 16000, fftSize: 1024, numMelBins: 64, lowerHz: 0, upperHz: 8000 },
      { sampleRate: 22050, fftSize: 512, numMelBins: 13, lowerHz: 300, upperHz: 3400 },
      { sampleRate: 100, fftSize: 16, numMelBins: 2, lowerHz: 5, upperHz: 45 },
    ];
    for (const c of configs) {
      const fb = melFilterbank(c);
      const expected = reference.melFilterbank(reference.resolveConfig({ ...c, frameLength: c.fftSize, frameStep: c.fftSize, numMfcc: 1 }));
      expect(maxAbsDiff(fb, expected, JSON.stringify(c))).toBeLessThan(1e-9);
    }
    // A tiny case: 2 triangles over 0-4 Hz; the first starts at bin 0 (0 Hz) and the last ends at bin 4 (4 Hz).
    const small = melFilterbank({ sampleRate: 8, fftSize: 8, numMelBins: 2, lowerHz: 0, upperHz: 4 });
    expect(small.length).toBe(2);
    expect(small[0].length).toBe(5);
    expect(small[0][0]).toBeCloseTo(0, 12);
    expect(small[1][4]).toBeCloseTo(0, 12);
    expect(small[0][1]).toBeGreaterThan(0.5);
  },
);

graded(
  { id: "05.3", points: 2, feedback: "Throw a RangeError naming the bad value for: sampleRate or numMelBins not a positive whole number, fftSize not a power of two, lowerHz < 0 or >= upperHz, and upperHz above sampleRate / 2 (give both upperHz and the Nyquist frequency, e.g. 9000 and 8000)." },
  "rejects impossible filterbanks with a message naming the bad value",
  () => {
    validCall("melFilterbank with upperHz at the Nyquist frequency and lowerHz 0", () => melFilterbank({ ...MICRO_SPEECH, lowerHz: 0, upperHz: 8000 }));
    const bad: [Partial<typeof MICRO_SPEECH>, RegExp][] = [
      [{ sampleRate: 0 }, /\b0\b/],
      [{ sampleRate: 16000.5 }, /16000\.5/],
      [{ numMelBins: 0 }, /\b0\b/],
      [{ numMelBins: 2.5 }, /2\.5/],
      [{ fftSize: 500 }, /\b500\b/],
      [{ fftSize: 0 }, /\b0\b/],
      [{ lowerHz: -10 }, /-10/],
      [{ lowerHz: 7500 }, /7500/],
      [{ upperHz: 9000 }, /9000/],
    ];
    for (const [change, pattern] of bad) {
      const error = errorFrom(() => melFilterbank({ ...MICRO_SPEECH, ...change }));
      expect(error, JSON.stringify(change)).toBeInstanceOf(RangeError);
      expect(error.message, JSON.stringify(change)).toMatch(pattern);
    }
    // Above the Nyquist frequency: the message gives upperHz (9000, checked above) and sampleRate / 2.
    expect(errorFrom(() => melFilterbank({ ...MICRO_SPEECH, upperHz: 9000 })).message).toMatch(/\b8000\b/);
  },
);
