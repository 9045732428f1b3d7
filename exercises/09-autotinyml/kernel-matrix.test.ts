// Graded tests for lesson 09's kernel matrix (exercises/09-autotinyml/kernel-matrix.ts). Run them with
// `npm run grade -- --only 09.1`; each failing test prints its feedback as a hint.
// The expected values are worked out by hand in the comments (r² per pair, then s²·e^(−r²/2) or
// s²(1 + √5r + 5r²/3)e^(−√5r)), and random matrices are checked entry by entry against the two formulas
// written out in this file. The "rejects ..." test also makes valid calls (validCall): a function that
// throws on every input earns nothing for rejecting.
import { expect } from "vitest";
import { mulberry32 } from "../../course-lib/data/random";
import { errorFrom, graded, validCall } from "../../course-lib/grader/graded";
import { kernelMatrix, type KernelParams } from "@exercise/09-autotinyml/kernel-matrix";

const S5 = Math.sqrt(5);
const show = (p: KernelParams) => `{ ${p.kernel}, amplitude ${p.amplitude}, lengthScales [${p.lengthScales.join(", ")}] }`;

/** Calls kernelMatrix and checks it returns rows of numbers; returns plain arrays. */
function matrixOf(X: number[][], Z: number[][], params: KernelParams): { call: string; K: number[][] } {
  const call = `kernelMatrix(${JSON.stringify(X)}, ${JSON.stringify(Z)}, ${show(params)})`;
  const K = kernelMatrix(X, Z, params) as unknown;
  if (!Array.isArray(K) && !(K && typeof (K as ArrayLike<unknown>).length === "number")) throw new Error(`${call} must return an array of rows, got ${String(K)}`);
  return { call, K: Array.from(K as ArrayLike<ArrayLike<number>>, (row) => Array.from(row ?? [], Number)) };
}

/** Compares entry by entry to a relative 1e-12 (absolute 1e-15 near 0), labelled by the call. */
function expectMatrix(X: number[][], Z: number[][], params: KernelParams, expected: number[][]): void {
  const { call, K } = matrixOf(X, Z, params);
  const close =
    K.length === expected.length &&
    K.every((row, i) => row.length === expected[i].length && row.every((v, j) => Math.abs(v - expected[i][j]) <= 1e-12 * Math.abs(expected[i][j]) + 1e-15));
  const round = (m: number[][]) => m.map((row) => row.map((v) => Number(v.toPrecision(10))));
  if (!close) expect({ call, K: round(K) }).toEqual({ call, K: round(expected) });
}

const e = Math.exp;

graded(
  { id: "09.1", points: 2, feedback: "RBF: K[i][j] = s²·exp(−r²/2) with r² = Σ_j (X[i][j] − Z[j'][j])² / l_j² and s² = amplitude (use it as given: it is already the variance, do not square it). Divide the squared difference by l², not by l, and remember the 1/2. Amplitude 2, lengthScales [1]: X = [[0], [1]], Z = [[0], [0.5], [2]] → [[2, 2e^−0.125, 2e^−2], [2e^−0.5, 2e^−0.125, 2e^−0.5]]." },
  "RBF kernel on hand-worked 1-D points",
  () => {
    // r² = [[0, 0.25, 4], [1, 0.25, 1]]
    expectMatrix([[0], [1]], [[0], [0.5], [2]], { kernel: "rbf", amplitude: 2, lengthScales: [1] }, [
      [2, 2 * e(-0.125), 2 * e(-2)],
      [2 * e(-0.5), 2 * e(-0.125), 2 * e(-0.5)],
    ]);
    // length scale 0.5 doubles every distance: r² = 4·Δ² → Δ = 0.5 gives e^−0.5, Δ = 1 gives e^−2
    expectMatrix([[0.25]], [[0.75], [-0.75], [0.25]], { kernel: "rbf", amplitude: 0.3, lengthScales: [0.5] }, [[0.3 * e(-0.5), 0.3 * e(-2), 0.3]]);
    // a long length scale: Δ = 3, l = 3 → r² = 1 → e^−0.5
    expectMatrix([[1], [4]], [[4]], { kernel: "rbf", amplitude: 1, lengthScales: [3] }, [[e(-0.5)], [1]]);
  },
);

graded(
  { id: "09.1", points: 1, feedback: "Matérn 5/2: K = s²·(1 + √5·r + 5r²/3)·exp(−√5·r) with r = √r² (the scaled distance itself, not its square, in the linear term and the exponent). Amplitude 1: r = 1 → (1 + √5 + 5/3)e^−√5 ≈ 0.523994, r = 2 → (1 + 2√5 + 20/3)e^(−2√5) ≈ 0.138660, r = 0 → s²." },
  "Matérn 5/2 kernel on hand-worked 1-D points",
  () => {
    // r = 0, 0.5, 1, 2
    expectMatrix([[0]], [[0], [0.5], [1], [2]], { kernel: "matern52", amplitude: 1, lengthScales: [1] }, [
      [1, (1 + S5 / 2 + 5 / 12) * e(-S5 / 2), (1 + S5 + 5 / 3) * e(-S5), (1 + 2 * S5 + 20 / 3) * e(-2 * S5)],
    ]);
    // amplitude 2.5, l = 0.2: Δ = 0.2 → r = 1; Δ = 0.1 → r = 0.5
    expectMatrix([[0.3], [0.4]], [[0.5]], { kernel: "matern52", amplitude: 2.5, lengthScales: [0.2] }, [
      [2.5 * (1 + S5 + 5 / 3) * e(-S5)],
      [2.5 * (1 + S5 / 2 + 5 / 12) * e(-S5 / 2)],
    ]);
  },
);

graded(
  { id: "09.1", points: 1, feedback: "ARD: each dimension j has its own length scale, r² = Σ_j ((x_j − z_j) / l_j)², lengthScales[j] for coordinate j (not one scale for all, not the mean of them). lengthScales [0.5, 2], x = [0, 0], z = [0.5, 2]: r² = 1 + 1 = 2 → RBF s²e^−1, Matérn r = √2; swapping the two differences gives r² = 16 + 1/16." },
  "one length scale per dimension (ARD) in 2-D and 3-D",
  () => {
    const ls = [0.5, 2];
    // z = [0.5, 2]: r² = 2; z = [2, 0.5]: r² = 16 + 0.0625; z = [0, 1]: r² = 0.25
    const Z = [[0.5, 2], [2, 0.5], [0, 1]];
    const r2 = [2, 16.0625, 0.25];
    expectMatrix([[0, 0]], Z, { kernel: "rbf", amplitude: 1.5, lengthScales: ls }, [r2.map((v) => 1.5 * e(-v / 2))]);
    const m52 = (v: number) => (1 + S5 * Math.sqrt(v) + (5 * v) / 3) * e(-S5 * Math.sqrt(v));
    expectMatrix([[0, 0]], Z, { kernel: "matern52", amplitude: 1.5, lengthScales: ls }, [r2.map((v) => 1.5 * m52(v))]);
    // 3-D, l = [1, 0.1, 10]: x − z = [1, 0.1, 10] → r² = 1 + 1 + 1 = 3
    expectMatrix([[0.5, 0.5, 0.5]], [[1.5, 0.6, 10.5]], { kernel: "rbf", amplitude: 1, lengthScales: [1, 0.1, 10] }, [[e(-1.5)]]);
  },
);

/** Both kernels written out directly: the reference for the random matrices. */
function reference(x: number[], z: number[], p: KernelParams): number {
  let r2 = 0;
  for (let j = 0; j < x.length; j++) r2 += ((x[j] - z[j]) / p.lengthScales[j]) ** 2;
  const r = Math.sqrt(r2);
  return p.kernel === "rbf" ? p.amplitude * e(-0.5 * r2) : p.amplitude * (1 + S5 * r + (5 / 3) * r2) * e(-S5 * r);
}

graded(
  { id: "09.1", points: 1, feedback: "Return one row per row of X and one entry per row of Z (n × m, K[i][j] = k(X[i], Z[j]); Z with no rows gives n empty rows). k(X, X) is symmetric with s² on its diagonal. Compute every entry from the pair's own coordinates." },
  "random points: the n × m shape, symmetry of k(X, X) and every entry",
  () => {
    const next = mulberry32(901);
    const points = (n: number, d: number) => Array.from({ length: n }, () => Array.from({ length: d }, () => next()));
    for (const [kernel, n, m, d] of [["rbf", 5, 3, 2], ["matern52", 4, 6, 3], ["rbf", 1, 7, 4], ["matern52", 6, 1, 1]] as const) {
      const X = points(n, d);
      const Z = points(m, d);
      const params: KernelParams = { kernel, amplitude: 0.5 + next(), lengthScales: Array.from({ length: d }, () => 0.1 + next()) };
      expectMatrix(X, Z, params, X.map((x) => Z.map((z) => reference(x, z, params))));
      const { call, K } = matrixOf(X, X, params);
      const symmetric = K.length === n && K.every((row, i) => row.length === n && row.every((v, j) => Math.abs(v - K[j][i]) <= 1e-15 && (i !== j || Math.abs(v - params.amplitude) <= 1e-15)));
      expect({ call, symmetricWithAmplitudeOnDiagonal: symmetric }).toEqual({ call, symmetricWithAmplitudeOnDiagonal: true });
    }
    expectMatrix([[0.1, 0.2], [0.3, 0.4]], [], { kernel: "rbf", amplitude: 1, lengthScales: [1, 1] }, [[], []]);
  },
);

graded(
  { id: "09.1", points: 1, feedback: "Throw a RangeError naming the values when X has no rows, a row of X or Z does not have d = X[0].length coordinates (name both lengths), a coordinate is not finite, lengthScales does not have d entries (name both), amplitude or a length scale is not a positive finite number (name it), or kernel is neither \"rbf\" nor \"matern52\". Valid calls (Z with no rows, tiny or huge length scales) must not throw." },
  "rejects mismatched dimensions, non-positive parameters and unknown kernels, naming the value",
  () => {
    const ok: KernelParams = { kernel: "rbf", amplitude: 1, lengthScales: [0.5, 2] };
    validCall("kernelMatrix([[0, 0]], [[1, 1]], { rbf, amplitude 1, lengthScales [0.5, 2] })", () => kernelMatrix([[0, 0]], [[1, 1]], ok));
    validCall("kernelMatrix([[0, 0]], [], { rbf, ... })", () => kernelMatrix([[0, 0]], [], ok));
    validCall("kernelMatrix([[0]], [[1]], { matern52, amplitude 1e-6, lengthScales [1e3] })", () => kernelMatrix([[0]], [[1]], { kernel: "matern52", amplitude: 1e-6, lengthScales: [1e3] }));
    const cases: [string, () => unknown, RegExp[]][] = [
      ["kernelMatrix([[0, 0], [1, 0, 0]], [[1, 1]], ...)", () => kernelMatrix([[0, 0], [1, 0, 0]], [[1, 1]], ok), [/3/, /2/]],
      ["kernelMatrix([[0, 0]], [[1, 1], [1]], ...)", () => kernelMatrix([[0, 0]], [[1, 1], [1]], ok), [/1/, /2/]],
      ["kernelMatrix([], [[1, 1]], ...)", () => kernelMatrix([], [[1, 1]], ok), [/X/]],
      ["kernelMatrix([[0, NaN]], [[1, 1]], ...)", () => kernelMatrix([[0, Number.NaN]], [[1, 1]], ok), [/NaN/]],
      ["kernelMatrix(2-D points, lengthScales [1])", () => kernelMatrix([[0, 0]], [[1, 1]], { ...ok, lengthScales: [1] }), [/1/, /2/]],
      ["kernelMatrix(2-D points, lengthScales [1, 1, 1])", () => kernelMatrix([[0, 0]], [[1, 1]], { ...ok, lengthScales: [1, 1, 1] }), [/3/, /2/]],
      ["kernelMatrix(..., amplitude 0)", () => kernelMatrix([[0, 0]], [[1, 1]], { ...ok, amplitude: 0 }), [/amplitude/i, /0/]],
      ["kernelMatrix(..., amplitude -1)", () => kernelMatrix([[0, 0]], [[1, 1]], { ...ok, amplitude: -1 }), [/-1/]],
      ["kernelMatrix(..., lengthScales [1, -0.5])", () => kernelMatrix([[0, 0]], [[1, 1]], { ...ok, lengthScales: [1, -0.5] }), [/-0\.5/]],
      ["kernelMatrix(..., lengthScales [0, 1])", () => kernelMatrix([[0, 0]], [[1, 1]], { ...ok, lengthScales: [0, 1] }), [/0/]],
      ["kernelMatrix(..., lengthScales [1, NaN])", () => kernelMatrix([[0, 0]], [[1, 1]], { ...ok, lengthScales: [1, Number.NaN] }), [/NaN/]],
      ["kernelMatrix(..., kernel \"linear\")", () => kernelMatrix([[0, 0]], [[1, 1]], { ...ok, kernel: "linear" as "rbf" }), [/linear/]],
    ];
    for (const [call, fn, named] of cases) {
      const error = errorFrom(fn);
      expect(error, call).toBeInstanceOf(RangeError);
      for (const pattern of named) expect(error.message, call).toMatch(pattern);
    }
  },
);
