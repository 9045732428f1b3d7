// stratifiedSubset (course-lib/data/dataset.ts): per-class counts against max(1, round(fraction · count))
// counted here from the labels, the shape of the result (ascending, unique, in range, each class's own
// positions), seeding, uniformity of the draw over many seeds, and the errors.
import { describe, expect, it } from "vitest";
import { stratifiedSubset } from "./dataset";
import { mulberry32 } from "./random";

/** Labels with the given number of examples per class, interleaved at random positions. */
function labelsWithCounts(counts: number[], seed: number): Int32Array {
  const labels = counts.flatMap((n, c) => Array.from({ length: n }, () => c));
  const random = mulberry32(seed);
  for (let i = labels.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [labels[i], labels[j]] = [labels[j], labels[i]];
  }
  return Int32Array.from(labels);
}

function perClass(labels: ArrayLike<number>, positions: ArrayLike<number>, numClasses: number): number[] {
  const counts = new Array(numClasses).fill(0);
  for (let i = 0; i < positions.length; i++) counts[labels[positions[i]]]++;
  return counts;
}

describe("stratifiedSubset", () => {
  // Unequal classes, one of a single example and one empty: 0.3·7 = 2.1 → 2, 0.3·1 → max(1, 0) = 1, 0.3·45 = 13.5 → 14.
  const counts = [20, 7, 1, 45, 0, 12];
  const labels = labelsWithCounts(counts, 3);

  for (const fraction of [0.01, 0.1, 0.3, 0.5, 0.77, 0.99]) {
    it(`fraction ${fraction}: max(1, round(fraction · count)) per class, none from an empty class`, () => {
      const subset = stratifiedSubset(labels, counts.length, fraction, 11);
      const expected = counts.map((n) => (n === 0 ? 0 : Math.max(1, Math.round(fraction * n))));
      expect(perClass(labels, subset, counts.length)).toEqual(expected);
      expect(subset.length).toBe(expected.reduce((a, b) => a + b, 0));
    });
  }

  it("hand-counted case: 13.5 rounds up, a 1-example class keeps its example", () => {
    const subset = stratifiedSubset(labels, counts.length, 0.3, 1);
    expect(perClass(labels, subset, counts.length)).toEqual([6, 2, 1, 14, 0, 4]);
  });

  it("returns an Int32Array of unique positions in ascending order, inside 0..n−1", () => {
    for (const seed of [0, 1, 2, 99]) {
      const subset = stratifiedSubset(labels, counts.length, 0.4, seed);
      expect(subset).toBeInstanceOf(Int32Array);
      for (let i = 1; i < subset.length; i++) expect(subset[i]).toBeGreaterThan(subset[i - 1]);
      expect(subset[0]).toBeGreaterThanOrEqual(0);
      expect(subset[subset.length - 1]).toBeLessThan(labels.length);
    }
  });

  it("the same seed gives the same subset; another seed another one", () => {
    const a = stratifiedSubset(labels, counts.length, 0.3, 7);
    const b = stratifiedSubset(labels, counts.length, 0.3, 7);
    const c = stratifiedSubset(labels, counts.length, 0.3, 8);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(c.length).toBe(a.length);
    expect(Array.from(c)).not.toEqual(Array.from(a));
  });

  it("fraction 1 keeps everything", () => {
    const subset = stratifiedSubset(labels, counts.length, 1, 5);
    expect(Array.from(subset)).toEqual(Array.from(labels, (_, i) => i));
  });

  it("accepts plain arrays and float labels as from an argmax", () => {
    const plain = Array.from(labels);
    expect(Array.from(stratifiedSubset(plain, counts.length, 0.3, 4))).toEqual(Array.from(stratifiedSubset(labels, counts.length, 0.3, 4)));
    expect(Array.from(stratifiedSubset(Float32Array.from(labels), counts.length, 0.3, 4))).toEqual(Array.from(stratifiedSubset(labels, counts.length, 0.3, 4)));
  });

  it("draws every example of a class equally often over many seeds (not always the first ones)", () => {
    // One class of 10: 3 kept per seed, so over 400 seeds each position is kept 120 times on average
    // (binomial sd ≈ 9.2); a biased draw (first k, or never the last) falls far outside 120 ± 45.
    const ten = new Int32Array(10);
    const times = new Array(10).fill(0);
    for (let seed = 0; seed < 400; seed++) for (const p of stratifiedSubset(ten, 1, 0.3, seed)) times[p]++;
    for (const t of times) expect(t).toBeGreaterThan(75), expect(t).toBeLessThan(165);
  });

  it("rejects a fraction outside (0, 1], naming the value", () => {
    expect(() => stratifiedSubset(labels, 6, 0, 1)).toThrow(/fraction must be in \(0, 1\], got 0/);
    expect(() => stratifiedSubset(labels, 6, 1.5, 1)).toThrow(/fraction .*got 1\.5/);
    expect(() => stratifiedSubset(labels, 6, NaN, 1)).toThrow(/fraction .*got NaN/);
    expect(() => stratifiedSubset(labels, 6, -0.2, 1)).toThrow(/fraction .*got -0\.2/);
    expect(() => stratifiedSubset(labels, 6, "0.5" as unknown as number, 1)).toThrow(/fraction .*got 0\.5/);
  });

  it("rejects labels outside 0..numClasses−1, naming the label and its position", () => {
    expect(() => stratifiedSubset([0, 1, 5, 2], 3, 0.5, 1)).toThrow(/label 5 at position 2 is outside 0\.\.2/);
    expect(() => stratifiedSubset([0, -1], 3, 0.5, 1)).toThrow(/label -1 at position 1/);
    expect(() => stratifiedSubset([0, 1.5], 3, 0.5, 1)).toThrow(/label 1\.5 at position 1/);
  });

  it("rejects a bad numClasses and a bad seed, naming the value", () => {
    expect(() => stratifiedSubset([0, 1], 0, 0.5, 1)).toThrow(/numClasses must be a positive integer, got 0/);
    expect(() => stratifiedSubset([0, 1], 2.5, 0.5, 1)).toThrow(/numClasses .*got 2\.5/);
    expect(() => stratifiedSubset([0, 1], NaN, 0.5, 1)).toThrow(/numClasses .*got NaN/);
    expect(() => stratifiedSubset([0, 1], 2, 0.5, -1)).toThrow(/stratifiedSubset.*seed.*got -1/);
  });
});
