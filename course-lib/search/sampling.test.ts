// Space-filling designs against references we did not write: SciPy's unscrambled Sobol sequence
// (fixtures/sobol-reference.json, made by fixtures/make-sobol-fixture.py, regenerated and compared below) for
// sobol(); the Cranley-Patterson rotation checked against the unrotated points; the Latin-hypercube property
// (one point per stratum of every dimension) counted directly.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { pythonCannotImport, regenerateFixture } from "../tools/python-fixture";
import { latinHypercube, sobol, SOBOL_MAX_DIMENSIONS } from "./sampling";

const FIXTURE_PATH = join(__dirname, "fixtures", "sobol-reference.json");
const SCRIPT_PATH = join(__dirname, "fixtures", "make-sobol-fixture.py");

interface SobolFixture {
  generator: { script: string; scipy: string; call: string };
  bits: number;
  n: number;
  cases: { dimensions: number; points: number[][] }[];
}

const readFixture = (path: string): SobolFixture => JSON.parse(readFileSync(path, "utf8")) as SobolFixture;
const fixture = readFixture(FIXTURE_PATH);

/** The first (row, column) where two point sets differ, or "" when they are identical (===, no tolerance). */
function firstDifference(a: number[][], b: number[][]): string {
  if (a.length !== b.length) return `${a.length} points vs ${b.length}`;
  for (let i = 0; i < a.length; i++) {
    if (a[i].length !== b[i].length) return `point ${i}: ${a[i].length} coordinates vs ${b[i].length}`;
    for (let j = 0; j < a[i].length; j++) if (a[i][j] !== b[i][j]) return `point ${i}, coordinate ${j}: ${a[i][j]} vs ${b[i][j]}`;
  }
  return "";
}

describe("sobol against scipy.stats.qmc.Sobol(d, scramble=False)", () => {
  it("the fixture records its script and SciPy, and holds 256 dyadic points for d = 1, 2, 5, 32", () => {
    expect(fixture.generator.script).toBe("course-lib/search/fixtures/make-sobol-fixture.py");
    expect(fixture.generator.scipy).toMatch(/^\d+\.\d+/);
    expect(fixture.n).toBe(256);
    expect(fixture.cases.map((c) => c.dimensions)).toEqual([1, 2, 5, SOBOL_MAX_DIMENSIONS]);
    for (const c of fixture.cases) {
      expect(c.points).toHaveLength(256);
      const notDyadic = c.points.flat().filter((v) => !(Number.isInteger(v * 2 ** fixture.bits) && v >= 0 && v < 1));
      expect(notDyadic, `d = ${c.dimensions}`).toEqual([]);
    }
  });

  for (const d of [1, 2, 5, 32]) {
    it(`sobol(256, ${d}) equals SciPy's first 256 points exactly`, () => {
      const ref = fixture.cases.find((c) => c.dimensions === d);
      expect(ref, `fixture has d = ${d}`).toBeDefined();
      expect(firstDifference(sobol(256, d), ref!.points)).toBe("");
    });
  }

  it("a prefix is the prefix of the longer sequence, and the first points are the textbook ones", () => {
    const ref = fixture.cases.find((c) => c.dimensions === 5)!.points;
    expect(firstDifference(sobol(37, 5), ref.slice(0, 37))).toBe("");
    expect(sobol(0, 3)).toEqual([]);
    // dimension 1 is the van der Corput sequence in Gray-code order; dimension 2 (s = 1, m = 1) by hand
    expect(sobol(4, 2)).toEqual([
      [0, 0],
      [0.5, 0.5],
      [0.75, 0.25],
      [0.25, 0.75],
    ]);
  });

  it("rejects dimensions outside [1, SOBOL_MAX_DIMENSIONS] and bad counts, naming the value", () => {
    expect(SOBOL_MAX_DIMENSIONS).toBe(32);
    for (const d of [0, -1, 33, 1.5, Number.NaN]) {
      expect(() => sobol(4, d)).toThrowError(RangeError);
      expect(() => sobol(4, d)).toThrowError(new RegExp(`dimensions must be an integer in \\[1, 32\\], got ${String(d)}`));
    }
    expect(() => sobol(-1, 2)).toThrowError(/sobol: n must be a non-negative integer, got -1/);
    expect(() => sobol(2.5, 2)).toThrowError(/sobol: n must be a non-negative integer, got 2.5/);
    expect(() => sobol(2 ** 30 + 1, 1)).toThrowError(/at most 2\^30 points/);
  });
});

describe("sobol with a seeded shift (Cranley-Patterson rotation)", () => {
  const n = 128;
  const d = 7;
  const plain = sobol(n, d);

  it("is the unshifted sequence plus one shift vector, modulo 1 (point 0, the origin, is the shift itself)", () => {
    const shifted = sobol(n, d, { shiftSeed: 12345 });
    const shift = shifted[0];
    for (const s of shift) expect(s >= 0 && s < 1).toBe(true);
    expect(new Set(shift).size).toBe(d); // a shift per coordinate, not one number for all
    const expected = plain.map((p) => p.map((v, j) => (v + shift[j]) % 1));
    expect(firstDifference(shifted, expected)).toBe("");
    for (const p of shifted) for (const v of p) expect(v >= 0 && v < 1).toBe(true);
  });

  it("is deterministic per seed and differs between seeds", () => {
    expect(firstDifference(sobol(n, d, { shiftSeed: 7 }), sobol(n, d, { shiftSeed: 7 }))).toBe("");
    const a = sobol(n, d, { shiftSeed: 7 });
    const b = sobol(n, d, { shiftSeed: 8 });
    const c = sobol(n, d, { shiftSeed: 0 });
    for (const other of [b, c]) expect(other[0].every((v, j) => v !== a[0][j])).toBe(true);
    expect(firstDifference(c, plain)).not.toBe(""); // seed 0 is a seed, not "no shift"
  });

  it("rejects a bad seed", () => {
    expect(() => sobol(4, 2, { shiftSeed: -1 })).toThrowError(/seed must be an integer/);
    expect(() => sobol(4, 2, { shiftSeed: 0.5 })).toThrowError(/seed must be an integer/);
  });
});

describe("latinHypercube", () => {
  it("puts exactly one point in each of the n strata of every dimension, all in [0, 1)", () => {
    for (const [n, d, seed] of [
      [1, 1, 3],
      [10, 3, 1],
      [64, 5, 99],
      [257, 2, 2024],
    ] as const) {
      const points = latinHypercube(n, d, seed);
      expect(points).toHaveLength(n);
      for (let j = 0; j < d; j++) {
        const counts = new Array<number>(n).fill(0);
        for (const p of points) {
          expect(p).toHaveLength(d);
          expect(p[j] >= 0 && p[j] < 1, `n ${n}, d ${d}: ${p[j]}`).toBe(true);
          counts[Math.floor(p[j] * n)]++;
        }
        expect(counts.every((c) => c === 1), `n ${n}, dimension ${j}`).toBe(true);
      }
    }
    expect(latinHypercube(0, 3, 1)).toEqual([]);
  });

  it("places points at random inside their strata, not at fixed offsets", () => {
    const n = 50;
    const offsets = latinHypercube(n, 2, 5).flatMap((p) => p.map((v) => v * n - Math.floor(v * n)));
    expect(new Set(offsets.map((o) => o.toFixed(6))).size).toBe(2 * n);
    const mean = offsets.reduce((s, o) => s + o, 0) / offsets.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.15); // 100 uniforms: sd of the mean ≈ 0.029
  });

  it("is deterministic per seed; different seeds (and dimensions) give different points", () => {
    expect(latinHypercube(20, 4, 11)).toEqual(latinHypercube(20, 4, 11));
    const a = latinHypercube(20, 4, 11);
    const b = latinHypercube(20, 4, 12);
    expect(a.some((p, i) => p.some((v, j) => v !== b[i][j]))).toBe(true);
    // the dimensions are not copies of one permutation
    const ranks = (j: number) => a.map((p) => Math.floor(p[j] * 20));
    expect(ranks(0)).not.toEqual(ranks(1));
  });

  it("rejects bad n, dimensions and seed", () => {
    expect(() => latinHypercube(-1, 2, 1)).toThrowError(/latinHypercube: n must be a non-negative integer, got -1/);
    expect(() => latinHypercube(3.5, 2, 1)).toThrowError(/latinHypercube: n must be a non-negative integer/);
    expect(() => latinHypercube(3, 0, 1)).toThrowError(/dimensions must be a positive integer, got 0/);
    expect(() => latinHypercube(3, 2, -5)).toThrowError(/seed must be an integer/);
  });
});

describe("fixtures/sobol-reference.json is what make-sobol-fixture.py writes", () => {
  const missing = pythonCannotImport("scipy.stats.qmc", "python3-scipy");

  it("regenerated points equal the committed JSON exactly", (ctx) => {
    if (missing) ctx.skip(`skipped: ${missing}`);
    // -W error: SciPy's power-of-2 warning (or any other) fails the regeneration
    const regenerated = regenerateFixture(SCRIPT_PATH, "sobol-reference.json", readFixture, ["-W", "error"]);
    expect(regenerated.bits).toBe(fixture.bits);
    expect(regenerated.n).toBe(fixture.n);
    expect(regenerated.generator.script).toBe(fixture.generator.script);
    expect(regenerated.cases.map((c) => c.dimensions)).toEqual(fixture.cases.map((c) => c.dimensions));
    regenerated.cases.forEach((c, i) => expect(firstDifference(c.points, fixture.cases[i].points), `d = ${c.dimensions}`).toBe(""));
  }, 90_000);
});
