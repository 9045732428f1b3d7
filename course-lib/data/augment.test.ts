// Augmentation helpers and noise generators: SNR is what was asked for, shifts move samples, crops and
// flips move pixels, the same seed gives the same result, and the noise colours have their textbook spectra.
import { describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { addBackgroundNoise, augmentImages, mixAtSnr, randomCrop, randomFlip, randomTimeShift, timeShift } from "./augment";
import { makeNoise, rms } from "./audio/noise";
import { rfft } from "./audio/fft";
import { SeededRandom } from "./seeded";

const tone = Float32Array.from({ length: 16000 }, (_, i) => 0.3 * Math.sin((2 * Math.PI * 440 * i) / 16000));

describe("mixAtSnr / addBackgroundNoise", () => {
  it("mixes at exactly the requested SNR", () => {
    for (const snr of [0, 10, 20]) {
      const noise = makeNoise("white", 8000, 16000, new SeededRandom(1)); // shorter: gets tiled
      const mixed = mixAtSnr(tone, noise, snr);
      const added = mixed.map((v, i) => v - tone[i]);
      expect(20 * Math.log10(rms(tone) / rms(added))).toBeCloseTo(snr, 3);
    }
  });

  it("is reproducible by seed and names bad input", () => {
    const a = addBackgroundNoise(tone, { kind: "pink", snrDb: 10, rng: 5 });
    const b = addBackgroundNoise(tone, { kind: "pink", snrDb: 10, rng: 5 });
    const c = addBackgroundNoise(tone, { kind: "pink", snrDb: 10, rng: 6 });
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
    expect(() => mixAtSnr(new Float32Array(10), [1, -1], 10)).toThrow(/signal is silent/);
    expect(() => mixAtSnr(tone, [1], NaN)).toThrow(/snrDb must be a finite number, got NaN/);
    expect(() => addBackgroundNoise(tone, { kind: "blue" as never, snrDb: 1, rng: 1 })).toThrow(/unknown noise kind "blue"/);
  });
});

describe("noise colours", () => {
  // average power in an octave band, from a long sample
  function bandPower(x: Float64Array, lo: number, hi: number): number {
    const n = 8192;
    let total = 0;
    for (let start = 0; start + n <= x.length; start += n) {
      const { re, im } = rfft(x.subarray(start, start + n));
      for (let k = Math.round((lo * n) / 16000); k < Math.round((hi * n) / 16000); k++) total += re[k] ** 2 + im[k] ** 2;
    }
    return total;
  }
  it("white is flat, pink falls ~3 dB/octave (per Hz), brown ~6 dB/octave", () => {
    const slope = (kind: "white" | "pink" | "brown") => {
      const x = makeNoise(kind, 16000 * 8, 16000, new SeededRandom(3));
      // per-Hz density ratio between the 500-1000 Hz and 1000-2000 Hz octaves, in dB
      return 10 * Math.log10(bandPower(x, 500, 1000) / 500 / (bandPower(x, 1000, 2000) / 1000));
    };
    expect(Math.abs(slope("white"))).toBeLessThan(0.5);
    expect(Math.abs(slope("pink") - 3)).toBeLessThan(0.7);
    expect(Math.abs(slope("brown") - 6)).toBeLessThan(1);
  });

  it("hum sits at 50 or 60 Hz and its harmonics", () => {
    const x = makeNoise("hum", 16384, 16000, new SeededRandom(4));
    const { re, im } = rfft(x);
    let best = 1;
    for (let k = 2; k < 200; k++) if (re[k] ** 2 + im[k] ** 2 > re[best] ** 2 + im[best] ** 2) best = k;
    const hz = (best * 16000) / 16384;
    expect(Math.min(Math.abs(hz - 50), Math.abs(hz - 60))).toBeLessThan(2);
    expect(rms(x)).toBeCloseTo(1, 6);
  });
});

describe("time shift", () => {
  it("moves samples and zero-fills", () => {
    expect(Array.from(timeShift([1, 2, 3, 4], 1))).toEqual([0, 1, 2, 3]);
    expect(Array.from(timeShift([1, 2, 3, 4], -2))).toEqual([3, 4, 0, 0]);
    expect(() => timeShift([1], 0.5)).toThrow(/got 0.5/);
    const a = randomTimeShift(tone, 1600, 9);
    expect(Array.from(a)).toEqual(Array.from(randomTimeShift(tone, 1600, 9)));
  });
});

describe("image crop and flip", () => {
  const img = tf.tensor4d(Float32Array.from({ length: 2 * 4 * 4 }, (_, i) => i + 1), [2, 4, 4, 1]);

  it("flip with p=1 mirrors every row; p=0 changes nothing", () => {
    const f = randomFlip(img, 1, 1).arraySync();
    expect(f[0].map((row) => row.map((p) => p[0]))[0]).toEqual([4, 3, 2, 1]);
    expect(randomFlip(img, 1, 0).arraySync()).toEqual(img.arraySync());
  });

  it("crop keeps the shape, moves content by at most `padding`, and is seeded", () => {
    const a = randomCrop(img, 1, 11);
    expect(a.shape).toEqual([2, 4, 4, 1]);
    expect(a.arraySync()).toEqual(randomCrop(img, 1, 11).arraySync());
    expect(randomCrop(img, 0, 11).arraySync()).toEqual(img.arraySync());
    // every non-zero output pixel comes from within 1 pixel of its position
    const src = img.arraySync();
    a.arraySync().forEach((im, n) =>
      im.forEach((row, y) =>
        row.forEach((p, x) => {
          if (p[0] === 0) return;
          const found = [-1, 0, 1].some((dy) => [-1, 0, 1].some((dx) => src[n][y + dy]?.[x + dx]?.[0] === p[0]));
          expect(found).toBe(true);
        }),
      ),
    );
    expect(() => randomCrop(tf.zeros([4, 4]) as unknown as tf.Tensor4D, 1, 1)).toThrow(/images must be \[n, height, width, channels\], got shape \[4, 4\]/);
  });

  it("augmentImages shifts (and optionally flips) every image, draws anew on each call, and names bad options", () => {
    const rng = new SeededRandom(3);
    const first = augmentImages(img, { maxShift: 1, rng });
    const second = augmentImages(img, { maxShift: 1, rng });
    expect(first.shape).toEqual(img.shape);
    expect(first.arraySync()).not.toEqual(second.arraySync());
    expect(augmentImages(img, { maxShift: 1, rng: 4 }).arraySync()).toEqual(augmentImages(img, { maxShift: 1, rng: 4 }).arraySync());
    expect(augmentImages(img, { maxShift: 0, rng: 1 }).arraySync()).toEqual(img.arraySync());
    // no shift, flips on: every image is either itself or its mirror, and the pixel sum is kept
    const flipped = augmentImages(img, { maxShift: 0, flip: true, rng: 2 }).arraySync();
    const mirror = randomFlip(img, 1, 1).arraySync();
    flipped.forEach((im, n) => expect([img.arraySync()[n], mirror[n]]).toContainEqual(im));
    expect(() => augmentImages(img, { maxShift: 1.5, rng: 1 })).toThrow(/maxShift must be a non-negative integer number of pixels, got 1.5/);
    expect(() => augmentImages(img, { maxShift: 1, flip: "yes" as never, rng: 1 })).toThrow(/flip must be true or false, got yes/);
    expect(() => augmentImages(img, undefined as never)).toThrow(/expected options/);
  });
});
