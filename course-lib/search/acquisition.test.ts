// Acquisition functions against references we did not write: Φ and log h(z) = log(φ(z) + zΦ(z)) computed
// with mpmath at 50 significant digits (literals below), the asymptotic (Mills-ratio) series of Φ(−x) and of
// log EI summed here, EI by Simpson's rule on its defining integral, GP-UCB's β_t from Srinivas et al.'s
// formulas evaluated by hand; minimiseAcquisition against exhaustive minimisation of scores written here.
import { describe, expect, it } from "vitest";
import {
  expectedImprovement,
  gpUcbBeta,
  logExpectedImprovement,
  lowerConfidenceBound,
  minimiseAcquisition,
  normalCdf,
  normalPdf,
  upperConfidenceBound,
  type AcquisitionSearch,
} from "./acquisition";
import { allConfigs, canonical, configKey, encode, type Config, type Space } from "./space";

const rel = (a: number, b: number) => (a === b ? 0 : Math.abs(a - b) / Math.abs(b));
const SQRT_2PI = Math.sqrt(2 * Math.PI);

// Made with /usr/bin/python3 and mpmath 1.2.1 (mp.dps = 50): float(mpmath.ncdf(mpmath.mpf(z))).
const CDF_REFERENCE: readonly [number, number][] = [
  [-0.1, 0.460172162722971],
  [-0.5, 0.3085375387259869],
  [-1, 0.15865525393145705],
  [-1.5, 0.06680720126885807],
  [-1.999, 0.02280417693265889],
  [-2, 0.02275013194817921],
  [-2.001, 0.02269619494564155],
  [-2.5, 0.006209665325776135],
  [-3, 0.0013498980316300946],
  [-4, 3.1671241833119924e-5],
  [-6, 9.86587645037698e-10],
  [-8, 6.220960574271784e-16],
  [-10, 7.619853024160525e-24],
  [-12, 1.776482112077679e-33],
  [-20, 2.7536241186062337e-89],
  [-30, 4.906713927148187e-198],
  [0.7, 0.758036347776927],
  [1.96, 0.9750021048517795],
  [3, 0.9986501019683699],
];

// Same tool: float(mpmath.log(mpmath.npdf(z) + z * mpmath.ncdf(z))), the log EI of a unit-σ prediction at z.
const LOG_H_REFERENCE: readonly [number, number][] = [
  [-30, -457.724653760598],
  [-12, -77.90910054500735],
  [-5, -16.74430116266099],
  [-2.5, -6.212541645443513],
  [-2.001, -4.771463351034321],
  [-2, -4.768783523917114],
  [-1.999, -4.766104517240974],
  [-1.5, -3.52993592080571],
  [-0.5, -1.6205162643873199],
  [0.3, -0.5678171536779368],
  [1, 0.08002621884930694],
  [3, 1.0987396653277077],
];

/** Φ(−x) for x ≥ 20 from the asymptotic series φ(x)/x · Σ (−1)^k (2k−1)!!/x^{2k}, summed until terms < 1e-17. */
function cdfTailSeries(x: number): number {
  let term = 1;
  let sum = 1;
  for (let k = 1; k < 30 && Math.abs(term) > 1e-17; k++) {
    term *= -(2 * k - 1) / (x * x);
    sum += term;
  }
  // φ(x) written out here rather than through normalPdf
  return (Math.exp(-0.5 * x * x) / SQRT_2PI / x) * sum;
}

/** log EI for z ≪ 0: log σ − z²/2 − ½ log 2π − 2 log|z| + log Σ (−1)^k (2k+1)!!/z^{2k} (k ≤ terms). */
function logEiAsymptotic(z: number, sd: number, terms: number): number {
  let term = 1;
  let sum = 1;
  for (let k = 1; k <= terms; k++) {
    term *= -(2 * k + 1) / (z * z);
    sum += term;
  }
  return Math.log(sd) - 0.5 * z * z - 0.5 * Math.log(2 * Math.PI) - 2 * Math.log(Math.abs(z)) + Math.log(sum);
}

/** ∫ max(best − ξ − y, 0) N(y; μ, σ²) dy by composite Simpson's rule on [μ − 12σ, best − ξ]. */
function eiBySimpson(mean: number, sd: number, best: number, xi: number, intervals = 4000): number {
  const b = best - xi;
  const a = mean - 12 * sd;
  if (b <= a) return 0;
  const f = (y: number) => ((b - y) * Math.exp(-0.5 * ((y - mean) / sd) ** 2)) / (sd * SQRT_2PI);
  const h = (b - a) / intervals;
  let s = f(a) + f(b);
  for (let i = 1; i < intervals; i++) s += (i % 2 === 1 ? 4 : 2) * f(a + i * h);
  return (s * h) / 3;
}

describe("normalCdf and normalPdf", () => {
  it("Φ(0) = 0.5 and Φ(−0) = 0.5", () => {
    // acquisition.ts: `if (z >= 0) return 1 - normalCdf(-z)` recurses forever at 0, since -0 >= 0 too
    expect(normalCdf(0)).toBe(0.5);
    expect(normalCdf(-0)).toBe(0.5);
  });

  it("matches the quoted values to 1e-12 relative", () => {
    expect(rel(normalCdf(1.96), 0.9750021048517795)).toBeLessThan(1e-12);
    expect(rel(normalCdf(-1), 0.15865525393145707)).toBeLessThan(1e-12);
    expect(rel(normalCdf(-10), 7.619853024160527e-24)).toBeLessThan(1e-12);
    expect(rel(normalCdf(-37), 5.725571222524e-300)).toBeLessThan(1e-12); // 13 digits quoted
  });

  it("matches mpmath to 1e-13 relative in the body and both tails, either side of the switch at z = −2", () => {
    for (const [z, p] of CDF_REFERENCE) expect(rel(normalCdf(z), p), `Φ(${z})`).toBeLessThan(1e-13);
  });

  it("matches the asymptotic series of Φ(−x) for x ≥ 20 to 1e-12 relative", () => {
    for (const x of [20, 22.5, 25, 30, 33.3, 37]) expect(rel(normalCdf(-x), cdfTailSeries(x)), `x ${x}`).toBeLessThan(1e-12);
  });

  it("is symmetric, monotone, and has the right limits and NaN", () => {
    for (const z of [0.1, 0.5, 1.3, 2, 2.7, 5]) expect(Math.abs(normalCdf(z) + normalCdf(-z) - 1)).toBeLessThan(2e-16);
    let previous = -1;
    for (let z = -40; z <= 8; z += 0.01) {
      if (Math.abs(z) < 1e-9) continue; // z = 0 has its own test
      const p = normalCdf(z);
      expect(p, `z ${z}`).toBeGreaterThanOrEqual(previous);
      previous = p;
    }
    expect(normalCdf(-Infinity)).toBe(0);
    expect(normalCdf(Infinity)).toBe(1);
    expect(normalCdf(-38)).toBeGreaterThan(0); // 2.9e-316, a denormal
    expect(normalCdf(-40)).toBe(0); // 3.7e-350 is below the smallest double: 0, never negative or NaN
    expect(Number.isNaN(normalCdf(Number.NaN))).toBe(true);
  });

  it("φ matches mpmath and the closed form", () => {
    // mpmath.npdf(z), float()
    expect(rel(normalPdf(0), 0.3989422804014327)).toBeLessThan(1e-15);
    expect(rel(normalPdf(1), 0.24197072451914334)).toBeLessThan(1e-15);
    expect(rel(normalPdf(-2.5), 0.017528300493568537)).toBeLessThan(1e-15);
    expect(rel(normalPdf(10), 7.694598626706419e-23)).toBeLessThan(1e-14);
    expect(normalPdf(3)).toBe(normalPdf(-3));
    expect(normalPdf(Infinity)).toBe(0);
  });
});

describe("lowerConfidenceBound and upperConfidenceBound", () => {
  it("√β multiplies σ: LCB = μ − √β·σ, UCB = μ + √β·σ", () => {
    expect(lowerConfidenceBound(1, 2, 4)).toBe(-3);
    expect(upperConfidenceBound(1, 2, 4)).toBe(5);
    expect(lowerConfidenceBound(0.5, 0.1, 9)).toBeCloseTo(0.2, 15);
    expect(lowerConfidenceBound(10, 3, 0)).toBe(10);
    // skopt's kappa = 1.96 is β = 1.96²
    expect(lowerConfidenceBound(0, 1, 1.96 ** 2)).toBeCloseTo(-1.96, 15);
    expect(upperConfidenceBound(2, 0.5, 1.96 ** 2)).toBeCloseTo(2.98, 15);
    // mirror images
    for (const [m, s, b] of [[0.3, 0.7, 2], [-4, 1e-3, 10]]) expect(upperConfidenceBound(m, s, b) + lowerConfidenceBound(m, s, b)).toBeCloseTo(2 * m, 14);
  });

  it("rejects a negative, infinite or NaN β", () => {
    for (const beta of [-1, Infinity, Number.NaN]) {
      expect(() => lowerConfidenceBound(0, 1, beta)).toThrowError(new RegExp(`beta must be a finite number >= 0, got ${String(beta)}`));
      expect(() => upperConfidenceBound(0, 1, beta)).toThrowError(RangeError);
    }
  });
});

describe("gpUcbBeta", () => {
  it("finite D: β_t = 2 log(|D| t² π² / (6δ)), by hand", () => {
    // t = 1, |D| = 6, δ = 0.1: 2 ln(10 π²) = 2 (ln 10 + 2 ln π) = 2 (2.302585092994046 + 2.2894597716988004)
    expect(rel(gpUcbBeta(1, { candidates: 6 }), 9.184089729385692)).toBeLessThan(1e-14);
    // t = 5, |D| = 100, δ = 0.05: 2 ln(2500 π² / 0.3)
    expect(rel(gpUcbBeta(5, { candidates: 100, delta: 0.05 }), 22.634957173762057)).toBeLessThan(1e-14);
    // candidates wins over dimensions
    expect(gpUcbBeta(1, { candidates: 6, dimensions: 3 })).toBe(gpUcbBeta(1, { candidates: 6 }));
  });

  it("continuous: β_t = 2 log(t^(d/2+2) π² / (3δ)), by hand, and scale multiplies", () => {
    // t = 1, d = 2, δ = 0.1: 2 ln(π² / 0.3)
    expect(rel(gpUcbBeta(1, { dimensions: 2 }), 6.9868651520494724)).toBeLessThan(1e-14);
    // t = 10, d = 4, δ = 0.05: 2 ln(10⁴ π² / 0.15)
    expect(rel(gpUcbBeta(10, { dimensions: 4, delta: 0.05 }), 26.79384025712173)).toBeLessThan(1e-14);
    // t = 7, d = 3, δ = 0.1, scale 0.2: 0.4 ln(7^3.5 π² / 0.3)
    expect(rel(gpUcbBeta(7, { dimensions: 3, scale: 0.2 }), 4.121647239087333)).toBeLessThan(1e-14);
  });

  it("grows with t like log t: β_{t+1} − β_t = 4 log((t+1)/t) (finite) or (d + 4) log((t+1)/t) (continuous)", () => {
    for (let t = 1; t < 200; t++) {
      const f = gpUcbBeta(t + 1, { candidates: 50 }) - gpUcbBeta(t, { candidates: 50 });
      const c = gpUcbBeta(t + 1, { dimensions: 3 }) - gpUcbBeta(t, { dimensions: 3 });
      expect(f).toBeGreaterThan(0);
      expect(c).toBeGreaterThan(0);
      expect(Math.abs(f - 4 * Math.log((t + 1) / t))).toBeLessThan(1e-12);
      expect(Math.abs(c - 7 * Math.log((t + 1) / t))).toBeLessThan(1e-12);
    }
    // smaller δ (more confidence) explores more
    expect(gpUcbBeta(3, { dimensions: 2, delta: 0.01 })).toBeGreaterThan(gpUcbBeta(3, { dimensions: 2, delta: 0.1 }));
  });

  it("rejects bad t, δ, scale, candidates and a missing dimensions", () => {
    const cases: [() => number, RegExp][] = [
      [() => gpUcbBeta(0, { dimensions: 2 }), /t must be an integer >= 1, got 0/],
      [() => gpUcbBeta(1.5, { dimensions: 2 }), /t must be an integer >= 1, got 1.5/],
      [() => gpUcbBeta(1, { dimensions: 2, delta: 0 }), /delta must be in \(0, 1\), got 0/],
      [() => gpUcbBeta(1, { dimensions: 2, delta: 1 }), /delta must be in \(0, 1\), got 1/],
      [() => gpUcbBeta(1, { dimensions: 2, delta: Number.NaN }), /delta must be in \(0, 1\), got NaN/],
      [() => gpUcbBeta(1, { dimensions: 2, scale: 0 }), /scale must be > 0, got 0/],
      [() => gpUcbBeta(1, { dimensions: 2, scale: -1 }), /scale must be > 0, got -1/],
      [() => gpUcbBeta(1, { candidates: 0 }), /candidates must be a positive integer, got 0/],
      [() => gpUcbBeta(1, { candidates: 2.5 }), /candidates must be a positive integer, got 2.5/],
      [() => gpUcbBeta(1, {}), /give dimensions \(a positive integer\) or candidates, got dimensions undefined/],
      [() => gpUcbBeta(1, { dimensions: 0 }), /give dimensions .* got dimensions 0/],
    ];
    for (const [run, message] of cases) {
      expect(run).toThrowError(RangeError);
      expect(run).toThrowError(message);
    }
  });
});

describe("expectedImprovement", () => {
  it("z = 0 (mean at the incumbent): EI = σ/√(2π)", () => {
    for (const sd of [1, 0.3, 25]) expect(rel(expectedImprovement(1.5, sd, 1.5), sd / SQRT_2PI), `σ ${sd}`).toBeLessThan(1e-15);
    expect(rel(expectedImprovement(1, 2, 1.5, 0.5), 2 / SQRT_2PI)).toBeLessThan(1e-15); // ξ brings z to 0
  });

  it("σ = 0: max(best − μ − ξ, 0)", () => {
    expect(expectedImprovement(1, 0, 3)).toBe(2);
    expect(expectedImprovement(1, 0, 3, 0.5)).toBe(1.5);
    expect(expectedImprovement(3, 0, 1)).toBe(0);
    expect(expectedImprovement(1, 0, 1.2, 0.5)).toBe(0);
  });

  it("ξ shifts the incumbent: EI(μ, σ, best, ξ) = EI(μ, σ, best − ξ, 0) = EI(μ + ξ, σ, best, 0)", () => {
    for (const [m, s, b, xi] of [
      [0.2, 0.5, 0.4, 0.1],
      [3, 2, -1, 0.7],
      [-1, 0.01, -1.02, 0.005],
    ]) {
      const e = expectedImprovement(m, s, b, xi);
      expect(rel(e, expectedImprovement(m, s, b - xi))).toBeLessThan(1e-12);
      expect(rel(e, expectedImprovement(m + xi, s, b))).toBeLessThan(1e-12);
      expect(e).toBeLessThan(expectedImprovement(m, s, b)); // asking for a margin lowers EI
    }
  });

  it("equals its defining integral ∫ max(best − ξ − y, 0) N(y; μ, σ²) dy (Simpson's rule) to 1e-9", () => {
    for (const [m, s, b, xi] of [
      [0.3, 0.5, 0.5, 0.01], // z ≈ 0.38
      [1, 2, -1, 0], // z = −1
      [-2, 0.1, -1.9, 0.05], // z = 0.5
      [5, 1, 2, 0.5], // z = −3.5, the tail formula
      [0, 3, 10, 0], // z ≈ 3.3
      [2.5, 0.4, 1.6, 0.1], // z = −2.5
    ]) {
      const e = expectedImprovement(m, s, b, xi);
      expect(rel(e, eiBySimpson(m, s, b, xi)), `μ ${m}, σ ${s}, best ${b}, ξ ${xi}`).toBeLessThan(1e-9);
    }
  });

  it("scales with σ (EI = σ·h(z)), matches mpmath's h, falls with μ and rises with σ", () => {
    for (const [z, logh] of LOG_H_REFERENCE) {
      expect(rel(expectedImprovement(-z, 1, 0), Math.exp(logh)), `z ${z}`).toBeLessThan(1e-12);
      expect(rel(expectedImprovement(3 - 2 * z, 2, 3), 2 * Math.exp(logh)), `z ${z}, σ 2`).toBeLessThan(1e-12);
    }
    let previous = Infinity;
    for (let m = -3.05; m < 6; m += 0.1) {
      const e = expectedImprovement(m, 1, 0);
      expect(e).toBeLessThanOrEqual(previous);
      expect(e).toBeGreaterThanOrEqual(0);
      previous = e;
    }
    expect(expectedImprovement(1, 0.5, 0.3)).toBeLessThan(expectedImprovement(1, 1, 0.3));
  });
});

describe("logExpectedImprovement", () => {
  it("equals log(EI) to 1e-12 relative wherever EI is not tiny", () => {
    for (let z = -20.05; z < 6; z += 0.1) {
      const sd = 0.7;
      const mean = -z * sd; // best 0
      const ei = expectedImprovement(mean, sd, 0);
      expect(rel(logExpectedImprovement(mean, sd, 0), Math.log(ei)), `z ${z}`).toBeLessThan(1e-12);
    }
    for (const [z, logh] of LOG_H_REFERENCE) expect(rel(logExpectedImprovement(-z, 1, 0), logh), `z ${z}`).toBeLessThan(1e-13);
  });

  it("equals log(EI) at z = 0", () => {
    expect(rel(logExpectedImprovement(2, 0.5, 2), Math.log(0.5 / SQRT_2PI))).toBeLessThan(1e-14);
  });

  it("stays finite where EI underflows and matches the asymptotic series for z = −40, −1e3, −1e8", () => {
    const sd = 0.25;
    for (const z of [-40, -1e3, -1e8]) {
      const mean = -z * sd; // z = (best − μ)/σ with best = 0, exact: σ is a power of 2
      const value = logExpectedImprovement(mean, sd, 0);
      expect(Number.isFinite(value), `z ${z}`).toBe(true);
      // the formula with terms to 15/z⁴ (error ≈ 105/z⁶, 2.6e-8 at z = −40) ...
      expect(Math.abs(value - logEiAsymptotic(z, sd, 2)), `z ${z}`).toBeLessThan(3e-8 + 1e-15 * Math.abs(value));
      // ... and with four more terms, to round-off
      expect(rel(value, logEiAsymptotic(z, sd, 6)), `z ${z}`).toBeLessThan(1e-14);
      expect(expectedImprovement(mean, sd, 0)).toBeGreaterThanOrEqual(0);
    }
    expect(expectedImprovement(40 * sd, sd, 0)).toBe(0); // e^{-808}: why log EI is needed
    // it still ranks points there: a smaller mean is better
    expect(logExpectedImprovement(1e3, 1, 0)).toBeGreaterThan(logExpectedImprovement(1e3 + 1, 1, 0));
  });

  it("is increasing in z, with no jump at the switch z = −2 between its formulas", () => {
    const at = (z: number) => logExpectedImprovement(-z, 1, 0);
    const lo = at(-2 - 1e-9);
    const mid = at(-2);
    const hi = at(-2 + 1e-9);
    expect(lo).toBeLessThan(mid);
    expect(mid).toBeLessThan(hi);
    // d/dz log h(z) = Φ(z)/h(z); at z = −2 (mpmath values above) ≈ 2.6794
    const slope = 0.02275013194817921 / Math.exp(-4.768783523917114);
    expect(rel((mid - lo) / 1e-9, slope)).toBeLessThan(1e-4);
    expect(rel((hi - mid) / 1e-9, slope)).toBeLessThan(1e-4);
    let previous = -Infinity;
    for (let i = 0; i <= 2000; i++) {
      const z = -2.5 + i * 5e-4;
      const v = at(z);
      expect(v, `z ${z}`).toBeGreaterThan(previous);
      previous = v;
    }
    previous = -Infinity;
    for (let z = -60.05; z < 10; z += 0.1) {
      const v = at(z);
      expect(v, `z ${z}`).toBeGreaterThan(previous);
      previous = v;
    }
  });

  it("σ = 0: log of the improvement, −Infinity without one", () => {
    expect(logExpectedImprovement(1, 0, 3)).toBe(Math.log(2));
    expect(logExpectedImprovement(3, 0, 1)).toBe(-Infinity);
    expect(logExpectedImprovement(1, 0, 1)).toBe(-Infinity);
  });

  it("both EI functions reject bad inputs, naming them", () => {
    const cases: [number, number, number, number, RegExp][] = [
      [Number.NaN, 1, 0, 0, /mean must be finite, got NaN/],
      [Infinity, 1, 0, 0, /mean must be finite, got Infinity/],
      [0, -1, 0, 0, /sd must be a finite number >= 0, got -1/],
      [0, Infinity, 0, 0, /sd must be a finite number >= 0, got Infinity/],
      [0, Number.NaN, 0, 0, /sd must be a finite number >= 0, got NaN/],
      [0, 1, -Infinity, 0, /best \(the incumbent\) must be finite, got -Infinity/],
      [0, 1, 0, -0.1, /xi must be a finite number >= 0, got -0.1/],
      [0, 1, 0, Number.NaN, /xi must be a finite number >= 0, got NaN/],
    ];
    for (const [m, s, b, xi, message] of cases) {
      for (const f of [expectedImprovement, logExpectedImprovement]) {
        expect(() => f(m, s, b, xi)).toThrowError(RangeError);
        expect(() => f(m, s, b, xi)).toThrowError(message);
      }
    }
  });
});

describe("minimiseAcquisition on a small discrete space", () => {
  const space: Space = [
    { name: "n", type: "integer", low: 0, high: 4 },
    { name: "c", type: "categorical", values: ["a", "b", "c"] },
  ];
  // a score with a unique value per configuration: smallest at n = 3, c = "b", then n = 2 / 4, …
  const cWeight: Record<string, number> = { a: 0.31, b: 0, c: 0.17 };
  const scoreOf = (config: Config) => ((config.n as number) - 3) ** 2 + cWeight[config.c as string] + 0.001 * (config.n as number);
  const all = allConfigs(space);
  const byKey = new Map(all.map((c) => [configKey(space, c), c]));
  /** Decodes a canonical point by matching it against every configuration's encoding. */
  const decode = (p: number[]): Config => {
    const hit = all.find((c) => encode(space, c).every((v, j) => v === p[j]));
    if (!hit) throw new Error(`score got a point that is no configuration's canonical point: ${JSON.stringify(p)}`);
    return hit;
  };
  const search = (evaluated: Config[], extra: Partial<AcquisitionSearch> = {}): AcquisitionSearch => ({
    space,
    score: (points) => points.map((p) => scoreOf(decode(p))),
    evaluated: new Set(evaluated.map((c) => configKey(space, c))),
    seed: 3,
    ...extra,
  });
  const trueMin = (excluded: (c: Config) => boolean) =>
    all.filter((c) => !excluded(c)).reduce((best, c) => (scoreOf(c) < scoreOf(best) ? c : best));

  it("returns the lowest-scoring configuration, with its canonical point and score", () => {
    const choice = minimiseAcquisition(search([]))!;
    expect(choice.config).toEqual({ n: 3, c: "b" });
    expect(choice.point).toEqual(encode(space, { n: 3, c: "b" }));
    expect(choice.score).toBe(scoreOf({ n: 3, c: "b" }));
    expect(choice.admissible).toBe(15);
  });

  it("returns the true minimiser among the non-evaluated configurations and never an evaluated one", () => {
    const order = [...all].sort((a, b) => scoreOf(a) - scoreOf(b));
    for (let k = 1; k < all.length; k++) {
      const evaluated = order.slice(0, k); // the k best are taken
      const choice = minimiseAcquisition(search(evaluated))!;
      const keys = new Set(evaluated.map((c) => configKey(space, c)));
      expect(keys.has(configKey(space, choice.config)), `k ${k}`).toBe(false);
      expect(choice.config, `k ${k}`).toEqual(trueMin((c) => keys.has(configKey(space, c))));
      expect(choice.admissible).toBe(15 - k);
    }
    // an arbitrary evaluated set
    const evaluated = [{ n: 3, c: "b" }, { n: 0, c: "a" }, { n: 2, c: "b" }];
    expect(minimiseAcquisition(search(evaluated))!.config).toEqual({ n: 3, c: "c" }); // 0.173 < n 4, c "b": 1.004
  });

  it("respects `allowed`, which sees the canonical point and the configuration", () => {
    const seen: string[] = [];
    const allowed = (point: number[], config: Config) => {
      expect(point).toEqual(encode(space, config));
      seen.push(configKey(space, config));
      return config.c !== "b" && config.n !== 3;
    };
    const choice = minimiseAcquisition(search([{ n: 2, c: "c" }], { allowed }))!;
    expect(choice.config).toEqual(trueMin((c) => c.c === "b" || c.n === 3 || (c.n === 2 && c.c === "c")));
    expect(choice.config).toEqual({ n: 4, c: "c" });
    expect(choice.admissible).toBe(4 * 2 - 1);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((k) => byKey.has(k))).toBe(true);
  });

  it("returns null when every configuration is evaluated or disallowed", () => {
    expect(minimiseAcquisition(search(all))).toBeNull();
    expect(minimiseAcquisition(search([], { allowed: () => false }))).toBeNull();
    expect(minimiseAcquisition(search(all.slice(1), { allowed: (_, c) => configKey(space, c) !== configKey(space, all[0]) }))).toBeNull();
  });
});

describe("minimiseAcquisition on continuous spaces", () => {
  const space: Space = [
    { name: "x", type: "real", low: -1, high: 3 },
    { name: "y", type: "real", low: 10, high: 20 },
  ];
  const target = [0.3, 0.7]; // canonical coordinates: x = 0.2, y = 17
  const calls: number[][][] = [];
  const run = (seed: number, extra: Partial<AcquisitionSearch> = {}) =>
    minimiseAcquisition({
      space,
      score: (points) => {
        calls.push(points);
        return points.map((p) => (p[0] - target[0]) ** 2 + (p[1] - target[1]) ** 2);
      },
      evaluated: new Set(),
      seed,
      ...extra,
    })!;
  const distance = (p: number[]) => Math.hypot(p[0] - target[0], p[1] - target[1]);

  it("refines the best candidates to within 1e-2 of the minimiser (and beats the raw candidates)", () => {
    for (const seed of [1, 2, 77]) {
      for (const candidates of [64, 2048]) {
        const choice = run(seed, { candidates });
        expect(distance(choice.point), `seed ${seed}, ${candidates} candidates`).toBeLessThan(1e-2);
        expect(Math.abs((choice.config.x as number) - 0.2)).toBeLessThan(4e-2);
        expect(Math.abs((choice.config.y as number) - 17)).toBeLessThan(1e-1);
        expect(choice.point).toEqual(encode(space, choice.config));
        expect(choice.admissible).toBe(candidates);
        const raw = run(seed, { candidates, starts: 0 });
        expect(choice.score).toBeLessThanOrEqual(raw.score);
        if (candidates === 64) expect(choice.score).toBeLessThan(raw.score);
      }
    }
  });

  it("scores only canonical points", () => {
    calls.length = 0;
    run(5, { candidates: 128 });
    expect(calls.length).toBeGreaterThan(1); // the raw batch and the compass steps
    for (const batch of calls) for (const p of batch) for (const [j, v] of canonical(space, p).entries()) expect(Math.abs(v - p[j])).toBeLessThan(1e-14);
  });

  it("is deterministic for a seed; other seeds score other candidates", () => {
    expect(run(9)).toEqual(run(9));
    const a = run(9, { candidates: 64, starts: 0 });
    const b = run(10, { candidates: 64, starts: 0 });
    expect(a.point).not.toEqual(b.point);
  });

  it("on a large integer space, never proposes an evaluated configuration, even during refinement", () => {
    const grid: Space = [
      { name: "i", type: "integer", low: 0, high: 99 },
      { name: "j", type: "integer", low: 0, high: 99 },
    ]; // 10 000 configurations > 2048 candidates: Sobol + compass search
    const centre = (v: number) => (v + 0.5) / 100;
    const score = (points: number[][]) => points.map((p) => (p[0] - centre(37)) ** 2 + (p[1] - centre(62)) ** 2);
    const evaluated = new Set([configKey(grid, { i: 37, j: 62 })]);
    for (const seed of [1, 2, 3, 4]) {
      const choice = minimiseAcquisition({ space: grid, score, evaluated, seed })!;
      expect(configKey(grid, choice.config), `seed ${seed}`).not.toBe(configKey(grid, { i: 37, j: 62 }));
      const steps = Math.abs((choice.config.i as number) - 37) + Math.abs((choice.config.j as number) - 62);
      expect(steps, `seed ${seed}: ${JSON.stringify(choice.config)}`).toBe(1); // a neighbour of the evaluated optimum
    }
  });

  it("handles the header's example space when the score pulls lr and dropout to their upper ends", () => {
    // space.ts's fromUnit maps u = 1 to lr = 0.010000000000000005 > high = 0.01; the compass search clips
    // coordinates to exactly 1, so encode throws inside minimiseAcquisition.
    const talk: Space = [
      { name: "dropout", type: "real", low: 0, high: 0.5 },
      { name: "lr", type: "log-real", low: 1e-4, high: 1e-2 },
      { name: "filters", type: "integer", low: 4, high: 32 },
      { name: "activation", type: "categorical", values: ["relu", "relu6"] },
    ];
    const choice = minimiseAcquisition({
      space: talk,
      score: (points) => points.map((p) => -p[0] - p[1] + (p[2] - 0.5) ** 2 - p[4]),
      evaluated: new Set(),
      seed: 1,
    })!;
    expect(choice.config.activation).toBe("relu6");
    expect((choice.config.lr as number) <= 1e-2 && (choice.config.lr as number) > 0.009).toBe(true);
    expect((choice.config.dropout as number) <= 0.5 && (choice.config.dropout as number) > 0.49).toBe(true);
  });
});
