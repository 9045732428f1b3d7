// Lesson 09 exercise 09.2: the posterior of Gaussian-process regression (Rasmussen & Williams, "Gaussian
// Processes for Machine Learning", Algorithm 2.1): what a Bayesian-optimisation searcher believes about the
// objective at points it has not tried, as a mean and a variance.
//
// Replace the `notImplemented(...)` line with your code. Until you do, notebooks/09-autotinyml.ipynb prints
// "exercise 09.2 not implemented yet: showing the reference" and uses the course's version
// (course-lib/search/gp.ts gpPosterior, the fixed-hyperparameter posterior that GaussianProcess.predict
// computes after fitting). Check your work with `npm run grade -- --only 09.2`.
import { notImplemented } from "../../course-lib/grader/exercise";

export interface GpParams {
  /** "rbf" or "matern52", as in exercise 09.1. */
  kernel: "rbf" | "matern52";
  /** Signal variance s² (the prior variance of f at every point). */
  amplitude: number;
  /** One length scale per input dimension (ARD). */
  lengthScales: number[];
  /** Noise variance σn² > 0 added to the diagonal of the training covariance. */
  noise: number;
}

/**
 * Exercise 09.2: the GP posterior mean μ* and variance σ*² of f at each row of Xs, given observations y at
 * the rows of X, with fixed hyperparameters and a zero prior mean (no output standardisation here: far from
 * the data the mean falls back to 0, not to the average of y).
 *
 * GPML Algorithm 2.1, with K = k(X, X) (the n × n kernel matrix of exercise 09.1):
 *
 *   L = cholesky(K + σn²·I)                        lower triangular, L·Lᵀ = K + σn²·I
 *   α = Lᵀ \ (L \ y)                               two triangular solves: α = (K + σn²I)⁻¹ y
 *   for each x* (a row of Xs), with k* = k(X, x*) (n values):
 *     μ*  = k*ᵀ α
 *     v   = L \ k*
 *     σ*² = max(0, k(x*, x*) − vᵀv)                k(x*, x*) = s²; clip the round-off below 0
 *
 * Cholesky, row by row: for j < i, L[i][j] = (A[i][j] − Σ_{k<j} L[i][k]·L[j][k]) / L[j][j], and
 * L[i][i] = √(A[i][i] − Σ_{k<i} L[i][k]²). Forward substitution L\b: x_i = (b_i − Σ_{k<i} L[i][k]·x_k) / L[i][i];
 * back substitution Lᵀ\b: x_i = (b_i − Σ_{k>i} L[k][i]·x_k) / L[i][i], from i = n − 1 down. The variance is
 * of f itself: do NOT add σn² to it. You may call your kernelMatrix from "./kernel-matrix" (exercise 09.1).
 *
 *   One training point X = [[0]], y = [2]; RBF, amplitude 1, lengthScales [1], noise 0.25:
 *     K + σn²I = [[1.25]], L = [[√1.25]], α = [2 / 1.25] = [1.6]
 *     x* = 0:  k* = [1]        → μ* = 1.6,                σ*² = 1 − 1/1.25 = 0.2
 *     x* = 1:  k* = [e^−0.5]   → μ* = 1.6·e^−0.5 ≈ 0.970449, σ*² = 1 − e^−1/1.25 ≈ 0.705696
 *     x* = 10: k* ≈ [2e−22]    → μ* ≈ 0 (the prior mean),   σ*² ≈ 1 = s² (the prior variance)
 *   In general with one point: μ* = k(x*, x)·y / (s² + σn²), σ*² = s² − k(x*, x)² / (s² + σn²).
 *   With a tiny noise (1e-10) the mean passes through every training point and the variance there is ≈ 0.
 *
 * Throw a RangeError naming the values when:
 *   - y does not have one value per row of X (name both lengths), or a y is not a finite number;
 *   - noise is not a positive finite number (name it);
 *   - X, Xs (in place of Z) or the kernel parameters are invalid as in exercise 09.1: X has no rows, rows of
 *     different lengths, lengthScales without d entries, a non-positive amplitude or length scale.
 * Xs with no rows gives { mean: [], variance: [] }.
 */
export function gpPosterior(X: number[][], y: number[], Xs: number[][], params: GpParams): { mean: number[]; variance: number[] } {
  notImplemented("09.2");
}
