// Seeded pseudo-random numbers for the dataset generators, loaders and augmentation helpers.
//
// Why a separate file: the shipped datasets (keywords, motion, the Fashion subset) are produced from these
// streams and must be reproducible byte for byte, so the algorithm here is frozen. If it ever changes, every
// generated file changes with it (the reproducibility tests would say so). random.ts wraps this generator
// as a Math.random-like function for splits and shuffles.
//
// Algorithm: mulberry32 (32-bit state, period 2^32) - tiny, fast and good enough for shuffling and
// simulation noise at our sizes. Seeds for independent sub-streams (one per clip, per window, per subject)
// are derived by hashing the parent seed with labels (FNV-1a over the label text, then a murmur3 finaliser),
// so any one item can be regenerated without replaying the items before it.

/** Check that a seed is a usable integer; names the bad value. */
export function checkSeed(seed: number, what = "seed"): number {
  if (typeof seed !== "number" || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(`${what} must be an integer in [0, 4294967295], got ${String(seed)}`);
  }
  return seed >>> 0;
}

/** murmur3 32-bit finaliser: spreads every input bit over the whole output. */
function avalanche(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A child seed derived from a parent seed and labels, e.g. deriveSeed(seed, "clip", "yes", 17). */
export function deriveSeed(seed: number, ...parts: Array<string | number>): number {
  let h = 0x811c9dc5 ^ checkSeed(seed);
  const text = parts.map(String).join("\u0000");
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return avalanche(h >>> 0);
}

export class SeededRandom {
  private state: number;
  private spareNormal: number | null = null;

  constructor(seed: number) {
    this.state = checkSeed(seed);
  }

  /** A uniformly distributed unsigned 32-bit integer (mulberry32 step). */
  nextUint32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Integer uniform in [lo, hiExclusive). */
  int(lo: number, hiExclusive: number): number {
    if (!Number.isInteger(lo) || !Number.isInteger(hiExclusive) || hiExclusive <= lo) {
      throw new RangeError(`int(lo, hiExclusive) needs integers with lo < hiExclusive, got (${lo}, ${hiExclusive})`);
    }
    return lo + Math.floor(this.next() * (hiExclusive - lo));
  }

  /** True with probability p. */
  bool(p = 0.5): boolean {
    return this.next() < p;
  }

  /** Normal deviate (Box-Muller; the second value of each pair is kept for the next call). */
  normal(mean = 0, std = 1): number {
    if (this.spareNormal !== null) {
      const z = this.spareNormal;
      this.spareNormal = null;
      return mean + std * z;
    }
    let u = this.next();
    while (u === 0) u = this.next(); // log(0) would give -Infinity
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return mean + std * r * Math.cos(2 * Math.PI * v);
  }

  /** One element of a non-empty array. */
  choice<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError("choice() needs a non-empty array");
    return items[this.int(0, items.length)];
  }

  /** Fisher-Yates shuffle in place; returns the same array. */
  shuffle<T>(items: T[]): T[];
  shuffle(items: Int32Array): Int32Array;
  shuffle<T>(items: T[] | Int32Array): T[] | Int32Array {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(0, i + 1);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }

  /** A random permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`permutation(n) needs a non-negative integer, got ${n}`);
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = i;
    return this.shuffle(out);
  }
}
