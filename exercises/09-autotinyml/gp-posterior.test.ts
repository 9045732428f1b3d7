// Graded tests for lesson 09's GP posterior (exercises/09-autotinyml/gp-posterior.ts). Run them with
// `npm run grade -- --only 09.2`; each failing test prints its feedback as a hint.
// The one-point cases are worked out by hand in the comments (μ* = k·y/(s² + σn²), σ*² = s² − k²/(s² + σn²));
// the 2-D cases are checked against a computation written out in this file that shares nothing with Algorithm
// 2.1: the kernel written out, and (K + σn²I)α = y and (K + σn²I)w = k* solved by Gaussian elimination with
// partial pivoting (μ* = k*·α, σ*² = s² − k*·w). The "rejects ..." test also makes valid calls (validCall).
import { expect } from "vitest";
import { errorFrom, graded, validCall } from "../../course-lib/grader/graded";
import { gpPosterior, type GpParams } from "@exercise/09-autotinyml/gp-posterior";

const S5 = Math.sqrt(5);
const show = (p: GpParams) => `{ ${p.kernel}, amplitude ${p.amplitude}, lengthScales [${p.lengthScales.join(", ")}], noise ${p.noise} }`;

function posterior(X: number[][], y: number[], Xs: number[][], params: GpParams): { call: string; mean: number[]; variance: number[] } {
  const call = `gpPosterior(X = ${JSON.stringify(X)}, y = ${JSON.stringify(y)}, Xs = ${JSON.stringify(Xs)}, ${show(params)})`;
  const result = gpPosterior(X, y, Xs, params) as unknown;
  if (!result || typeof result !== "object") throw new Error(`${call} must return { mean, variance }, got ${String(result)}`);
  const out: Record<"mean" | "variance", number[]> = { mean: [], variance: [] };
  for (const key of ["mean", "variance"] as const) {
    const v = (result as Record<string, unknown>)[key];
    if (!v || typeof (v as ArrayLike<number>).length !== "number") throw new Error(`${call} must return ${key} as an array of numbers, got ${String(v)}`);
    out[key] = Array.from(v as ArrayLike<number>, Number);
  }
  return { call, ...out };
}

/** Compares mean and variance to `tol` (relative, absolute near 0), labelled by the call. */
function expectPosterior(X: number[][], y: number[], Xs: number[][], params: GpParams, expected: { mean: number[]; variance: number[] }, tol = 1e-10): void {
  const got = posterior(X, y, Xs, params);
  const near = (a: number[], b: number[]) => a.length === b.length && a.every((v, i) => Math.abs(v - b[i]) <= tol * (1 + Math.abs(b[i])));
  const round = (a: number[]) => a.map((v) => Number(v.toPrecision(8)));
  if (!near(got.mean, expected.mean) || !near(got.variance, expected.variance)) {
    expect({ call: got.call, mean: round(got.mean), variance: round(got.variance) }).toEqual({ call: got.call, mean: round(expected.mean), variance: round(expected.variance) });
  }
}

/** The one-training-point posterior by hand: μ* = k·y/(s² + σn²), σ*² = s² − k²/(s² + σn²). */
function onePoint(k: number[], y: number, s2: number, noise: number): { mean: number[]; variance: number[] } {
  return { mean: k.map((v) => (v * y) / (s2 + noise)), variance: k.map((v) => s2 - (v * v) / (s2 + noise)) };
}

graded(
  { id: "09.2", points: 2, feedback: "With one training point x, K + σn²I = [[s² + σn²]]: μ* = k(x*, x)·y / (s² + σn²) and σ*² = s² − k(x*, x)² / (s² + σn²). RBF, amplitude 1, l 1, noise 0.25, X = [[0]], y = [2]: x* = 0 → μ 1.6, σ² 0.2; x* = 1 → μ 1.6e^−0.5, σ² 1 − e^−1/1.25. Add the noise to K's diagonal only, not to the predictive variance; use α = (K + σn²I)⁻¹y, and amplitude as s² (not squared again)." },
  "one training point: mean and variance worked out by hand, both kernels",
  () => {
    const e = Math.exp;
    // RBF s² = 1, l = 1, σn² = 0.25, x* − x = 0, 1, −2: k = 1, e^−0.5, e^−2
    expectPosterior([[0]], [2], [[0], [1], [-2]], { kernel: "rbf", amplitude: 1, lengthScales: [1], noise: 0.25 }, onePoint([1, e(-0.5), e(-2)], 2, 1, 0.25));
    // RBF s² = 2, l = 0.5, σn² = 0.5, y = −3: x* − x = 0.5 → r² = 1 → k = 2e^−0.5
    expectPosterior([[1]], [-3], [[1.5], [1]], { kernel: "rbf", amplitude: 2, lengthScales: [0.5], noise: 0.5 }, onePoint([2 * e(-0.5), 2], -3, 2, 0.5));
    // Matérn 5/2, s² = 1.5, l = 2, σn² = 0.1, y = 0.8: x* − x = 2 → r = 1; 1 → r = 0.5
    const m = (r: number) => 1.5 * (1 + S5 * r + (5 / 3) * r * r) * e(-S5 * r);
    expectPosterior([[0.3]], [0.8], [[2.3], [-0.7], [0.3]], { kernel: "matern52", amplitude: 1.5, lengthScales: [2], noise: 0.1 }, onePoint([m(1), m(0.5), 1.5], 0.8, 1.5, 0.1));
    // 2-D, one point, ARD [1, 0.1]: x* − x = [1, 0.1] → r² = 2 → RBF k = e^−1
    expectPosterior([[0, 0]], [1], [[1, 0.1]], { kernel: "rbf", amplitude: 1, lengthScales: [1, 0.1], noise: 1 }, onePoint([e(-1)], 1, 1, 1));
  },
);

graded(
  { id: "09.2", points: 1, feedback: "With a tiny noise (1e-10) the posterior interpolates: at a training point the mean is that point's y and the variance ≈ 0 (never negative: clip s² − vᵀv at 0). If the mean misses y, check α = Lᵀ\\(L\\y) (solve with L first, then with its transpose) and μ* = k*·α; if the variance is far from 0, check v = L\\k* and σ*² = s² − v·v." },
  "interpolates the training points with a tiny noise, variance ≈ 0 and never negative",
  () => {
    const cases: [number[][], number[], GpParams][] = [
      [[[0], [0.5], [1]], [1, -1, 2], { kernel: "rbf", amplitude: 1, lengthScales: [0.4], noise: 1e-10 }],
      [[[0.1], [0.35], [0.6], [0.9]], [0.2, 0.9, -0.4, 0.3], { kernel: "matern52", amplitude: 2, lengthScales: [0.3], noise: 1e-10 }],
      [[[0.1, 0.9], [0.5, 0.5], [0.9, 0.2], [0.3, 0.3]], [3, 1, -2, 0.5], { kernel: "rbf", amplitude: 0.5, lengthScales: [0.3, 0.5], noise: 1e-10 }],
    ];
    for (const [X, y, params] of cases) {
      const got = posterior(X, y, X, params);
      const meanOk = got.mean.length === y.length && got.mean.every((v, i) => Math.abs(v - y[i]) <= 1e-6);
      const varianceOk = got.variance.length === y.length && got.variance.every((v) => v >= 0 && v <= 1e-6);
      expect({ call: got.call, meanEqualsY: meanOk, varianceNearZeroNotNegative: varianceOk }, `mean ${got.mean}, variance ${got.variance}`).toEqual({ call: got.call, meanEqualsY: true, varianceNearZeroNotNegative: true });
    }
  },
);

graded(
  { id: "09.2", points: 1, feedback: "Far from every training point k* ≈ 0, so the posterior is the prior: mean 0 (the GP here has a zero prior mean: do not subtract or add the mean of y) and variance s² = amplitude (the variance of f, without σn² added)." },
  "far from the data: mean 0 and variance s², the prior",
  () => {
    // l = 0.1, |x* − x| ≥ 4.6: r ≥ 46, k = s²e^(−r²/2) ≈ 0 (e^−1058), Matérn ≈ s²·2e3·e^−103 ≈ 1e-41
    const X = [[0.2], [0.4]];
    const y = [3, 5];
    expectPosterior(X, y, [[5], [-5], [100]], { kernel: "rbf", amplitude: 1.5, lengthScales: [0.1], noise: 0.1 }, { mean: [0, 0, 0], variance: [1.5, 1.5, 1.5] }, 1e-12);
    expectPosterior(X, y, [[5], [-5]], { kernel: "matern52", amplitude: 0.7, lengthScales: [0.1], noise: 0.01 }, { mean: [0, 0], variance: [0.7, 0.7] }, 1e-12);
  },
);

/** The kernel written out (the same definitions as exercise 09.1). */
function kernel(x: number[], z: number[], p: GpParams): number {
  let r2 = 0;
  for (let j = 0; j < x.length; j++) r2 += ((x[j] - z[j]) / p.lengthScales[j]) ** 2;
  const r = Math.sqrt(r2);
  return p.kernel === "rbf" ? p.amplitude * Math.exp(-r2 / 2) : p.amplitude * (1 + S5 * r + (5 / 3) * r2) * Math.exp(-S5 * r);
}

/** Solves A x = b by Gaussian elimination with partial pivoting (A and b are copied). */
function solve(A: number[][], b: number[]): number[] {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r][c]) > Math.abs(M[p][c])) p = r;
    [M[c], M[p]] = [M[p], M[c]];
    for (let r = c + 1; r < n; r++) {
      const f = M[r][c] / M[c][c];
      for (let k = c; k <= n; k++) M[r][k] -= f * M[c][k];
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let s = M[i][n];
    for (let k = i + 1; k < n; k++) s -= M[i][k] * x[k];
    x[i] = s / M[i][i];
  }
  return x;
}

/** The posterior by Gaussian elimination: μ* = k*·(A⁻¹y), σ*² = s² − k*·(A⁻¹k*), A = K + σn²I. */
function byElimination(X: number[][], y: number[], Xs: number[][], p: GpParams): { mean: number[]; variance: number[] } {
  const A = X.map((xi, i) => X.map((xj, j) => kernel(xi, xj, p) + (i === j ? p.noise : 0)));
  const alpha = solve(A, y);
  const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i], 0);
  const mean: number[] = [];
  const variance: number[] = [];
  for (const xs of Xs) {
    const ks = X.map((x) => kernel(x, xs, p));
    mean.push(dot(ks, alpha));
    variance.push(Math.max(0, p.amplitude - dot(ks, solve(A, ks))));
  }
  return { mean, variance };
}

graded(
  { id: "09.2", points: 2, feedback: "On several 2-D training points the mean must equal k*ᵀ(K + σn²I)⁻¹y and the variance s² − k*ᵀ(K + σn²I)⁻¹k*. Check the Cholesky factor (L·Lᵀ = K + σn²I: the sum for L[i][j] runs over k < j and divides by L[j][j]), the back substitution with Lᵀ (it reads L[k][i], the COLUMN i of L), and that each length scale divides its own coordinate." },
  "2-D training sets, both kernels: against Gaussian elimination on (K + σn²I)",
  () => {
    const X = [[0.1, 0.2], [0.4, 0.9], [0.8, 0.3], [0.5, 0.5], [0.95, 0.75], [0.2, 0.6]];
    const y = [0.3, -0.2, 1.1, 0.4, -0.7, 0.05];
    const Xs: number[][] = [];
    for (const a of [0, 0.3, 0.65, 1]) for (const b of [0.05, 0.5, 0.9]) Xs.push([a, b]);
    Xs.push([0.5, 0.5], [2, -1]);
    const cases: GpParams[] = [
      { kernel: "rbf", amplitude: 1.3, lengthScales: [0.3, 0.6], noise: 0.01 },
      { kernel: "matern52", amplitude: 0.8, lengthScales: [0.5, 0.25], noise: 0.05 },
      { kernel: "rbf", amplitude: 2, lengthScales: [1, 1], noise: 1e-4 },
      { kernel: "matern52", amplitude: 1, lengthScales: [0.2, 2], noise: 1e-3 },
    ];
    for (const params of cases) expectPosterior(X, y, Xs, params, byElimination(X, y, Xs, params), 1e-8);
  },
);

graded(
  { id: "09.2", points: 1, feedback: "Throw a RangeError naming the values when y does not have one value per row of X (name both lengths), a y is not finite, noise is not a positive finite number, Xs rows do not have d coordinates, or the kernel parameters are invalid (lengthScales without d entries, amplitude ≤ 0). Xs with no rows is valid and gives empty arrays." },
  "rejects mismatched lengths, bad noise and bad kernel parameters, naming the value",
  () => {
    const ok: GpParams = { kernel: "rbf", amplitude: 1, lengthScales: [0.5], noise: 0.01 };
    validCall("gpPosterior([[0], [1]], [1, 2], [[0.5]], { rbf, 1, [0.5], noise 0.01 })", () => gpPosterior([[0], [1]], [1, 2], [[0.5]], ok));
    validCall("gpPosterior([[0], [1]], [1, 2], [], ...)", () => gpPosterior([[0], [1]], [1, 2], [], ok));
    validCall("gpPosterior([[0]], [0], [[3]], { ..., noise 1e-12 })", () => gpPosterior([[0]], [0], [[3]], { ...ok, noise: 1e-12 }));
    const cases: [string, () => unknown, RegExp[]][] = [
      ["gpPosterior(3 rows of X, 2 values of y, ...)", () => gpPosterior([[0], [1], [2]], [1, 2], [[0.5]], ok), [/3/, /2/]],
      ["gpPosterior(X, y with NaN, ...)", () => gpPosterior([[0], [1]], [1, Number.NaN], [[0.5]], ok), [/NaN/]],
      ["gpPosterior(..., noise 0)", () => gpPosterior([[0], [1]], [1, 2], [[0.5]], { ...ok, noise: 0 }), [/noise/i, /0/]],
      ["gpPosterior(..., noise -0.1)", () => gpPosterior([[0], [1]], [1, 2], [[0.5]], { ...ok, noise: -0.1 }), [/-0\.1/]],
      ["gpPosterior(1-D X, Xs = [[0.5, 0.5]], ...)", () => gpPosterior([[0], [1]], [1, 2], [[0.5, 0.5]], ok), [/2/, /1/]],
      ["gpPosterior(1-D X, lengthScales [1, 1])", () => gpPosterior([[0], [1]], [1, 2], [[0.5]], { ...ok, lengthScales: [1, 1] }), [/2/, /1/]],
      ["gpPosterior(..., amplitude -2)", () => gpPosterior([[0], [1]], [1, 2], [[0.5]], { ...ok, amplitude: -2 }), [/-2/]],
    ];
    for (const [call, fn, named] of cases) {
      const error = errorFrom(fn);
      expect(error, call).toBeInstanceOf(RangeError);
      for (const pattern of named) expect(error.message, call).toMatch(pattern);
    }
  },
);
