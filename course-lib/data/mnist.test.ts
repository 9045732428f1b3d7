// Unit tests for the MNIST loader and the seeded PRNG behind its splits.
import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import {
  MNIST_CLASS_NAMES,
  MNIST_SAMPLE_COUNT,
  countPerClass,
  loadMnist,
  mnistSplitIndices,
  readMnistArrays,
} from "./mnist";
import { mulberry32, seededPermutation } from "./random";

beforeAll(async () => {
  // Only tensor creation is tested here, so the pure-JS backend is enough and needs no setup.
  await tf.setBackend("cpu");
});

describe("random", () => {
  it("mulberry32 is deterministic per seed and differs across seeds", () => {
    const a = mulberry32(7), b = mulberry32(7), c = mulberry32(8);
    const seqA = Array.from({ length: 5 }, a);
    expect(Array.from({ length: 5 }, b)).toEqual(seqA);
    expect(Array.from({ length: 5 }, c)).not.toEqual(seqA);
    for (const x of seqA) expect(x >= 0 && x < 1).toBe(true);
  });

  it("mulberry32 is roughly uniform", () => {
    const random = mulberry32(123);
    const bins = new Array(10).fill(0);
    for (let i = 0; i < 100_000; i++) bins[Math.floor(random() * 10)]++;
    for (const count of bins) expect(Math.abs(count - 10_000)).toBeLessThan(500);
  });

  it("seededPermutation is a permutation", () => {
    const p = seededPermutation(1000, 3);
    expect(Array.from(p).sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(Array.from(p)).not.toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  it("rejects bad seeds", () => {
    expect(() => mulberry32(-1)).toThrow(/seed.*-1/);
    expect(() => mulberry32(1.5)).toThrow(/seed.*1\.5/);
  });
});

describe("readMnistArrays", () => {
  it("reads 10,000 digits with pixels in [0, 1] and plausible class counts", () => {
    const { pixels, labels, count } = readMnistArrays();
    expect(count).toBe(MNIST_SAMPLE_COUNT);
    expect(pixels.length).toBe(count * 784);
    let min = Infinity, max = -Infinity;
    for (const v of pixels) { if (v < min) min = v; if (v > max) max = v; }
    expect(min).toBe(0);
    expect(max).toBe(1);
    // Every class is present with roughly a tenth of the data (MNIST is close to balanced).
    for (const n of countPerClass(labels)) {
      expect(n).toBeGreaterThan(700);
      expect(n).toBeLessThan(1300);
    }
  });

  it("images look like digits: dark background, some ink in the middle", () => {
    const { pixels } = readMnistArrays();
    const image = pixels.subarray(0, 784);
    expect(image[0]).toBe(0); // top-left corner is background
    const ink = image.reduce((s, v) => s + v, 0);
    expect(ink).toBeGreaterThan(20);
    expect(ink).toBeLessThan(400);
  });
});

describe("mnistSplitIndices", () => {
  it("defaults to 8000 / 1000 / 1000", () => {
    const s = mnistSplitIndices();
    expect([s.train.length, s.validation.length, s.test.length]).toEqual([8000, 1000, 1000]);
    expect(s.seed).toBe(42);
  });

  it("splits are disjoint and cover the limit", () => {
    const s = mnistSplitIndices({ limit: 5000, seed: 9 });
    const all = [...s.train, ...s.validation, ...s.test];
    expect(all.length).toBe(5000);
    expect(new Set(all).size).toBe(5000);
  });

  it("is deterministic for a seed and differs across seeds", () => {
    const a = mnistSplitIndices({ seed: 1 }), b = mnistSplitIndices({ seed: 1 }), c = mnistSplitIndices({ seed: 2 });
    expect(Array.from(a.test)).toEqual(Array.from(b.test));
    expect(Array.from(a.train)).toEqual(Array.from(b.train));
    expect(Array.from(a.test)).not.toEqual(Array.from(c.test));
  });

  it("a limit takes a prefix of the same shuffle", () => {
    const small = mnistSplitIndices({ seed: 5, limit: 100 });
    const smallAll = [...small.train, ...small.validation, ...small.test];
    expect(smallAll).toEqual(Array.from(seededPermutation(MNIST_SAMPLE_COUNT, 5).subarray(0, 100)));
  });

  it("honours custom fractions, including an empty split", () => {
    const s = mnistSplitIndices({ limit: 1000, fractions: { train: 0.9, validation: 0.1, test: 0 } });
    expect([s.train.length, s.validation.length, s.test.length]).toEqual([900, 100, 0]);
  });

  it("rejects bad arguments with messages naming the value", () => {
    expect(() => mnistSplitIndices({ limit: 0 })).toThrow(/limit.*0/);
    expect(() => mnistSplitIndices({ limit: -5 })).toThrow(/limit.*-5/);
    expect(() => mnistSplitIndices({ limit: 2.5 })).toThrow(/limit.*2\.5/);
    expect(() => mnistSplitIndices({ limit: 20_000 })).toThrow(/20000.*10000/);
    expect(() => mnistSplitIndices({ limit: 5 })).toThrow(/limit 5 is too small/);
    expect(() => mnistSplitIndices({ seed: -3 })).toThrow(/seed.*-3/);
    expect(() => mnistSplitIndices({ fractions: { train: 0.5, validation: 0.1, test: 0.1 } })).toThrow(/add up to 1.*0\.7/);
    expect(() => mnistSplitIndices({ fractions: { train: 1.2, validation: -0.1, test: -0.1 } })).toThrow(/fractions\.train.*1\.2/);
    expect(() => mnistSplitIndices({ limt: 10 } as never)).toThrow(/unknown loadMnist option 'limt'/);
  });
});

describe("loadMnist", () => {
  it("returns tensors of the right shapes, dtypes and ranges", () => {
    const mnist = loadMnist({ limit: 500, seed: 11 });
    try {
      expect(mnist.classNames).toEqual(MNIST_CLASS_NAMES);
      const { train, validation, test } = mnist;
      expect([train.size, validation.size, test.size]).toEqual([400, 50, 50]);
      expect(train.images.shape).toEqual([400, 28, 28, 1]);
      expect(train.images.dtype).toBe("float32");
      expect(train.labels.shape).toEqual([400, 10]);
      expect(test.images.shape).toEqual([50, 28, 28, 1]);
      expect(tf.min(train.images).dataSync()[0]).toBeGreaterThanOrEqual(0);
      expect(tf.max(train.images).dataSync()[0]).toBeLessThanOrEqual(1);
      // One-hot: each row sums to 1 and its 1 sits at classIndices[i].
      expect(Array.from(tf.sum(train.labels, 1).dataSync())).toEqual(new Array(400).fill(1));
      expect(Array.from(tf.argMax(train.labels, 1).dataSync())).toEqual(Array.from(train.classIndices));
    } finally {
      mnist.dispose();
    }
  });

  it("images match the package's digits at their source indices", () => {
    const mnist = loadMnist({ limit: 20, seed: 4 });
    try {
      const { pixels, labels } = readMnistArrays();
      const images = mnist.train.images.dataSync();
      for (let i = 0; i < mnist.train.size; i++) {
        const src = mnist.train.sourceIndices[i];
        expect(mnist.train.classIndices[i]).toBe(labels[src]);
        expect(Array.from(images.subarray(i * 784, (i + 1) * 784))).toEqual(Array.from(pixels.subarray(src * 784, (src + 1) * 784)));
      }
    } finally {
      mnist.dispose();
    }
  });

  it("the default split keeps each class's share of the data in every split", () => {
    const mnist = loadMnist();
    try {
      const totals = countPerClass(readMnistArrays().labels);
      for (const split of [mnist.train, mnist.validation, mnist.test]) {
        const counts = countPerClass(split.classIndices);
        counts.forEach((n, c) => {
          // A random split gives a binomial count per class: allow 5 standard deviations.
          const p = totals[c] / MNIST_SAMPLE_COUNT;
          const expected = split.size * p;
          const sd = Math.sqrt(split.size * p * (1 - p));
          expect(Math.abs(n - expected)).toBeLessThan(5 * sd);
        });
      }
    } finally {
      mnist.dispose();
    }
  });

  it("dispose frees the tensors", () => {
    const before = tf.memory().numTensors;
    loadMnist({ limit: 100 }).dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
