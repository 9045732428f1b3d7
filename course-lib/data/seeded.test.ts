// Seeded PRNG: determinism (the shipped datasets depend on these exact streams), independence of derived
// seeds, rough distribution checks, and error messages.
import { describe, expect, it } from "vitest";
import { deriveSeed, SeededRandom } from "./seeded";
import { mulberry32, seededPermutation } from "./random";

describe("SeededRandom", () => {
  it("is a frozen mulberry32 stream (changing it would change every generated dataset)", () => {
    const r = new SeededRandom(42);
    expect([r.nextUint32(), r.nextUint32(), r.nextUint32()]).toEqual([2581720956, 1925393290, 3661312704]);
    expect(deriveSeed(20240501, "clip", "train", "yes", 0)).toBe(deriveSeed(20240501, "clip", "train", "yes", 0));
  });

  it("is the same generator as random.ts (lesson 00), so the two can be merged without changing any data", () => {
    const a = new SeededRandom(20240501);
    const b = mulberry32(20240501);
    for (let i = 0; i < 100; i++) expect(a.next()).toBe(b());
    expect(Array.from(new SeededRandom(42).permutation(500))).toEqual(Array.from(seededPermutation(500, 42)));
  });

  it("gives the same sequence for the same seed and different ones for different seeds", () => {
    const a = new SeededRandom(7);
    const b = new SeededRandom(7);
    const c = new SeededRandom(8);
    const sa = Array.from({ length: 20 }, () => a.next());
    expect(Array.from({ length: 20 }, () => b.next())).toEqual(sa);
    expect(Array.from({ length: 20 }, () => c.next())).not.toEqual(sa);
  });

  it("derives distinct child seeds for distinct labels", () => {
    const seeds = new Set<number>();
    for (let i = 0; i < 1000; i++) seeds.add(deriveSeed(1, "clip", i));
    expect(seeds.size).toBe(1000);
    expect(deriveSeed(1, "a", "bc")).not.toBe(deriveSeed(1, "ab", "c"));
  });

  it("has plausible uniform and normal moments", () => {
    const r = new SeededRandom(123);
    const n = 20000;
    let su = 0, sn = 0, sn2 = 0;
    for (let i = 0; i < n; i++) {
      su += r.next();
      const z = r.normal();
      sn += z;
      sn2 += z * z;
    }
    expect(Math.abs(su / n - 0.5)).toBeLessThan(0.01);
    expect(Math.abs(sn / n)).toBeLessThan(0.03);
    expect(Math.abs(sn2 / n - 1)).toBeLessThan(0.05);
  });

  it("permutation contains every index once", () => {
    const p = new SeededRandom(5).permutation(100);
    expect(Array.from(p).sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(Array.from(p)).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it("names bad seeds and ranges", () => {
    expect(() => new SeededRandom(1.5)).toThrow(/seed must be an integer.*got 1.5/);
    expect(() => new SeededRandom(-1)).toThrow(/got -1/);
    expect(() => new SeededRandom(1).int(3, 3)).toThrow(/got \(3, 3\)/);
    expect(() => new SeededRandom(1).choice([])).toThrow(/non-empty/);
  });
});
