// Graded tests for lesson 09's acquisition functions (exercises/09-autotinyml/acquisition.ts). Run them with
// `npm run grade -- --only 09.3`; each failing test prints its feedback as a hint.
// LCB values are worked out by hand (μ − √β·σ). EI values are computed in the comments from table values of Φ
// and φ (Φ(1) = 0.8413447460685429, φ(1) = 0.24197072451914337, ...; the same as Python's
// 0.5·math.erfc(−z/√2) and exp(−z²/2)/√(2π)), plus properties that need no table: EI(z = 0) = σ/√(2π),
// EI ≈ I for a large z, EI(I) − EI(−I) = I, monotonicity in μ and σ. The "rejects ..." test also makes valid
// calls (validCall): a function that throws on every input earns nothing for rejecting.
import { expect } from "vitest";
import { errorFrom, graded, validCall } from "../../course-lib/grader/graded";
import { expectedImprovement, lowerConfidenceBound } from "@exercise/09-autotinyml/acquisition";

/** Compares to 1e-12 + 1e-9·|expected|, labelled by the call. */
function expectValue(call: string, got: unknown, expected: number, tol = 1e-9): void {
  const close = typeof got === "number" && Math.abs(got - expected) <= 1e-12 + tol * Math.abs(expected);
  expect({ call, value: close ? expected : got }).toEqual({ call, value: expected });
}

graded(
  { id: "09.3", points: 1, feedback: "LCB = μ − √β·σ: the square root of β multiplies σ (β = 4 subtracts 2σ, β = 9 subtracts 3σ), it is not μ − β·σ (skopt's kappa multiplies σ directly: its kappa 1.96 is β = 1.96² here). β = 0 gives the mean." },
  "lower confidence bound μ − √β·σ on hand-worked values",
  () => {
    const cases: [number, number, number, number][] = [
      [1, 0.5, 4, 0], // 1 − 2·0.5
      [0.3, 0.1, 9, 0.3 - 3 * 0.1], // ≈ 0
      [2, 0.7, 0, 2],
      [0, 1, 1.96 * 1.96, -1.96], // skopt's kappa 1.96
      [-0.5, 0.2, 1, -0.7],
      [5, 0, 100, 5], // σ = 0: nothing to be optimistic about
      [0.25, 2, 2, 0.25 - 2 * Math.SQRT2],
      [10, 3, 0.25, 8.5], // √0.25 = 0.5
    ];
    for (const [mean, sd, beta, expected] of cases) expectValue(`lowerConfidenceBound(${mean}, ${sd}, ${beta})`, lowerConfidenceBound(mean, sd, beta), expected, 1e-12);
  },
);

const SQRT_2PI = Math.sqrt(2 * Math.PI);

graded(
  { id: "09.3", points: 2, feedback: "EI = I·Φ(z) + σ·φ(z) with I = best − μ − ξ (improvement BELOW best: we minimise) and z = I/σ; φ(z) = exp(−z²/2)/√(2π), Φ the normal CDF (import normalCdf, normalPdf from course-lib/search/acquisition.ts). μ = best gives z = 0 and EI = σ/√(2π); μ 0, σ 1, best 1 gives Φ(1) + φ(1) ≈ 1.0833155; μ 1, σ 1, best 0 gives −Φ(−1) + φ(1) ≈ 0.0833155." },
  "expected improvement on closed-form values: z = 0, table values of Φ and φ, a large z",
  () => {
    const ei = (mean: number, sd: number, best: number, xi: number, expected: number) =>
      expectValue(`expectedImprovement(${mean}, ${sd}, ${best}, ${xi})`, expectedImprovement(mean, sd, best, xi), expected);
    // z = 0: EI = σ·φ(0) = σ/√(2π)
    ei(0.5, 0.3, 0.5, 0, 0.3 / SQRT_2PI);
    ei(-2, 4, -2, 0, 4 / SQRT_2PI);
    ei(0.2, 1, 0.5, 0.3, 1 / SQRT_2PI); // I = 0.5 − 0.2 − 0.3 = 0
    // z = 1, σ = 1: Φ(1) + φ(1) = 0.8413447460685429 + 0.24197072451914337
    ei(0, 1, 1, 0, 1.0833154705876864);
    // z = −1: −Φ(−1) + φ(1) = −0.15865525393145707 + 0.24197072451914337
    ei(1, 1, 0, 0, 0.0833154705876863);
    // z = 2 and −2: 2·0.9772498680518208 + 0.05399096651318806; −2·0.02275013194817922 + 0.05399096651318806
    ei(-2, 1, 0, 0, 2.0084907026168297);
    ei(2, 1, 0, 0, 0.00849070261682962);
    // I = 1, σ = 2 (z = 0.5): Φ(0.5) + 2φ(0.5) = 0.6914624612740131 + 2·0.3520653267642995
    ei(0, 2, 1, 0, 1.3955931148026121);
    // I = 1 with ξ: μ 0, σ 1, best 1.5, ξ 0.5 → z = 1
    ei(0, 1, 1.5, 0.5, 1.0833154705876864);
    // z = −5: φ(5) − 5Φ(−5) = 1.4867195147342979e-06 − 5·2.866515718791946e-07
    ei(5, 1, 0, 0, 1.4867195147342979e-6 - 5 * 2.866515718791946e-7);
    // a large z: Φ(z) = 1 and φ(z) = 0 in double precision, EI = I
    ei(0, 0.01, 1, 0, 1); // z = 100
    ei(-1, 0.001, 2, 0, 3); // z = 3000
  },
);

graded(
  { id: "09.3", points: 1, feedback: "When σ = 0 there is no uncertainty: EI = max(best − μ − ξ, 0) (return it before dividing by σ, which would give z = ±Infinity or NaN). ξ is subtracted from the improvement: best − μ − ξ. Without a fourth argument ξ = 0." },
  "σ = 0 gives max(I, 0); ξ shifts the improvement; ξ defaults to 0",
  () => {
    expectValue("expectedImprovement(0.2, 0, 0.5)", expectedImprovement(0.2, 0, 0.5), 0.3, 1e-12);
    expectValue("expectedImprovement(0.7, 0, 0.5)", expectedImprovement(0.7, 0, 0.5), 0, 1e-12);
    expectValue("expectedImprovement(0.5, 0, 0.5)", expectedImprovement(0.5, 0, 0.5), 0, 1e-12);
    expectValue("expectedImprovement(0.2, 0, 0.5, 0.1)", expectedImprovement(0.2, 0, 0.5, 0.1), 0.2, 1e-12);
    expectValue("expectedImprovement(0.2, 0, 0.5, 0.4)", expectedImprovement(0.2, 0, 0.5, 0.4), 0, 1e-12);
    // ξ = 0 by default: the same value with three arguments as with 0 given
    for (const [mean, sd, best] of [[0, 1, 1], [0.4, 0.2, 0.1], [-3, 2, -1]]) {
      const call = `expectedImprovement(${mean}, ${sd}, ${best}) vs (..., 0)`;
      expectValue(call, expectedImprovement(mean, sd, best), expectedImprovement(mean, sd, best, 0), 1e-15);
    }
    // ξ acts as a higher mean: EI(μ, σ, best, ξ) = EI(μ + ξ, σ, best, 0); z = 1 − 0.25 = 0.75 both times
    expectValue("expectedImprovement(0, 1, 1, 0.25) vs (0.25, 1, 1, 0)", expectedImprovement(0, 1, 1, 0.25), expectedImprovement(0.25, 1, 1, 0), 1e-14);
    // ξ lowers EI: I = 1 → 1.0833154705876864, I = 0.5 (ξ 0.5) → Φ(0.5)/2 + φ(0.5) = 0.6977965574013061
    expectValue("expectedImprovement(0, 1, 1, 0.5)", expectedImprovement(0, 1, 1, 0.5), 0.6977965574013061);
  },
);

graded(
  { id: "09.3", points: 1, feedback: "EI falls as μ rises (a worse prediction) and grows with σ (more chance of a big improvement), is never negative, and EI(I) − EI(−I) = I. LCB rises with μ and falls with σ when β > 0. If EI goes negative or wrong for very negative z, compute Φ with the course's normalCdf, not 1 − an approximation." },
  "monotone in μ and σ, never negative, EI(I) − EI(−I) = I",
  () => {
    const means = Array.from({ length: 41 }, (_, i) => -2 + i * 0.1);
    const eiByMean = means.map((m) => expectedImprovement(m, 0.5, 0));
    const falls = eiByMean.every((v, i) => i === 0 || v < eiByMean[i - 1]);
    expect({ call: "expectedImprovement(μ, 0.5, 0) for μ = −2 … 2", strictlyFalls: falls }).toEqual({ call: "expectedImprovement(μ, 0.5, 0) for μ = −2 … 2", strictlyFalls: true });
    const sds = Array.from({ length: 20 }, (_, i) => 0.1 + i * 0.1);
    const eiBySd = sds.map((s) => expectedImprovement(0.3, s, 0));
    const grows = eiBySd.every((v, i) => i === 0 || v > eiBySd[i - 1]);
    expect({ call: "expectedImprovement(0.3, σ, 0) for σ = 0.1 … 2", strictlyGrows: grows }).toEqual({ call: "expectedImprovement(0.3, σ, 0) for σ = 0.1 … 2", strictlyGrows: true });
    const negative = [-30, -20, -10, -6, -3, -1, 0, 1, 3, 10, 30].filter((z) => !(expectedImprovement(-z, 1, 0) >= 0));
    expect({ call: "expectedImprovement(−z, 1, 0) for z = −30 … 30", negativeAt: negative }).toEqual({ call: "expectedImprovement(−z, 1, 0) for z = −30 … 30", negativeAt: [] });
    for (const [improvement, sd] of [[0.3, 1], [1.7, 0.8], [0.05, 0.02], [2, 3]]) {
      const call = `expectedImprovement(−${improvement}, ${sd}, 0) − expectedImprovement(${improvement}, ${sd}, 0)`;
      expectValue(call, expectedImprovement(-improvement, sd, 0) - expectedImprovement(improvement, sd, 0), improvement, 1e-9);
    }
    const lcbByMean = means.map((m) => lowerConfidenceBound(m, 0.5, 2));
    const lcbBySd = sds.map((s) => lowerConfidenceBound(0.3, s, 2));
    const lcbFlat = sds.map((s) => lowerConfidenceBound(0.3, s, 0));
    expect({
      call: "lowerConfidenceBound over μ, over σ (β 2) and over σ (β 0)",
      risesWithMean: lcbByMean.every((v, i) => i === 0 || v > lcbByMean[i - 1]),
      fallsWithSd: lcbBySd.every((v, i) => i === 0 || v < lcbBySd[i - 1]),
      betaZeroIgnoresSd: lcbFlat.every((v) => v === 0.3),
    }).toEqual({ call: "lowerConfidenceBound over μ, over σ (β 2) and over σ (β 0)", risesWithMean: true, fallsWithSd: true, betaZeroIgnoresSd: true });
  },
);

graded(
  { id: "09.3", points: 1, feedback: "Throw a RangeError naming the value when sd is negative or not finite, beta (LCB) or xi (EI) is negative or not finite, or mean / best is not finite (NaN, ±Infinity). sd = 0, beta = 0, xi = 0 and a mean above best are valid." },
  "rejects negative or non-finite sd, beta and xi and non-finite means, naming the value",
  () => {
    validCall("lowerConfidenceBound(1, 0, 0)", () => lowerConfidenceBound(1, 0, 0));
    validCall("lowerConfidenceBound(-3, 2, 10)", () => lowerConfidenceBound(-3, 2, 10));
    validCall("expectedImprovement(1, 0, 0, 0)", () => expectedImprovement(1, 0, 0, 0));
    validCall("expectedImprovement(2, 0.5, -1)", () => expectedImprovement(2, 0.5, -1));
    const cases: [string, () => unknown, RegExp][] = [
      ["lowerConfidenceBound(1, -0.1, 4)", () => lowerConfidenceBound(1, -0.1, 4), /-0\.1/],
      ["lowerConfidenceBound(1, Infinity, 4)", () => lowerConfidenceBound(1, Infinity, 4), /Infinity/],
      ["lowerConfidenceBound(1, 0.5, -1)", () => lowerConfidenceBound(1, 0.5, -1), /-1/],
      ["lowerConfidenceBound(1, 0.5, NaN)", () => lowerConfidenceBound(1, 0.5, Number.NaN), /NaN/],
      ["lowerConfidenceBound(NaN, 0.5, 4)", () => lowerConfidenceBound(Number.NaN, 0.5, 4), /NaN/],
      ["expectedImprovement(0, -1, 1)", () => expectedImprovement(0, -1, 1), /-1/],
      ["expectedImprovement(0, NaN, 1)", () => expectedImprovement(0, Number.NaN, 1), /NaN/],
      ["expectedImprovement(0, 1, 1, -0.1)", () => expectedImprovement(0, 1, 1, -0.1), /-0\.1/],
      ["expectedImprovement(NaN, 1, 1)", () => expectedImprovement(Number.NaN, 1, 1), /NaN/],
      ["expectedImprovement(0, 1, Infinity)", () => expectedImprovement(0, 1, Infinity), /Infinity/],
      ["expectedImprovement(-Infinity, 1, 0)", () => expectedImprovement(-Infinity, 1, 0), /-Infinity/],
    ];
    for (const [call, fn, named] of cases) {
      const error = errorFrom(fn);
      expect(error, call).toBeInstanceOf(RangeError);
      expect(error.message, call).toMatch(named);
    }
  },
);
