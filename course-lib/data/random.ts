// Seeded pseudo-random numbers for the course's data pipelines.
//
// Splits, shuffles and sample picks must come out the same on every machine and every run, so that a
// notebook's text ("we train on 8000 digits and reach ...") matches what the learner sees and graded
// exercises can compare exact results. Math.random cannot be seeded, so we use mulberry32: a tiny 32-bit
// generator that is fast, has a full 2^32 period and is plenty for shuffling (not for cryptography). The
// generator itself lives in seeded.ts (shared with the dataset generators); this file is the functional API.

import { SeededRandom } from "./seeded";

/** A function returning uniformly distributed floats in [0, 1), like Math.random but reproducible. */
export type RandomSource = () => number;

/**
 * mulberry32: returns a generator of floats in [0, 1) fully determined by `seed`.
 * Two generators with the same seed produce the same sequence.
 */
export function mulberry32(seed: number): RandomSource {
  const random = new SeededRandom(seed);
  return () => random.next();
}

/** An integer drawn uniformly from [0, n). */
export function randomInt(random: RandomSource, n: number): number {
  if (!Number.isInteger(n) || n <= 0) {
    throw new RangeError(`randomInt needs a positive integer upper bound, got ${n}`);
  }
  return Math.floor(random() * n);
}

/** Shuffles `items` in place (Fisher-Yates) using `random`, and returns it. */
export function shuffleInPlace<T>(items: T[], random: RandomSource): T[];
export function shuffleInPlace(items: Int32Array, random: RandomSource): Int32Array;
export function shuffleInPlace<T>(items: T[] | Int32Array, random: RandomSource): T[] | Int32Array {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const tmp = items[i];
    items[i] = items[j];
    items[j] = tmp;
  }
  return items;
}

/** A random permutation of 0..n-1, determined by `seed`. */
export function seededPermutation(n: number, seed: number): Int32Array {
  if (!Number.isInteger(n) || n < 0) {
    throw new RangeError(`seededPermutation needs a non-negative integer length, got ${n}`);
  }
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return shuffleInPlace(order, mulberry32(seed));
}
