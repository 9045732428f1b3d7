// Gaussian-process regression: the surrogate model of Bayesian optimisation.
//
// A BO searcher fits a GP to the trials so far and asks its posterior mean and variance where to try next
// (acquisition functions live elsewhere). Everything follows Rasmussen & Williams, "Gaussian Processes for
// Machine Learning" (GPML, 2006): the RBF kernel (eq. 4.9) and Matérn 5/2 (eq. 4.17) with one length scale per
// dimension (ARD), the posterior by Algorithm 2.1 (Cholesky of K + σn²I), and ML-II, maximising the log
// marginal likelihood with its gradient (eq. 5.9) over log-parameters, from a default start plus seeded random
// restarts, by a small projected L-BFGS (below; no npm package does bounded quasi-Newton in float64).
//
// Inputs arrive already in [0,1]^d (space.ts maps configurations, rounding integers and categoricals before
// the kernel), so one set of length-scale bounds, [0.01, 100] as in skopt, fits every search space. Outputs
// are standardised by GaussianProcess ((y − mean)/sd, as skopt's and keras-tuner's normalize_y and BoTorch's
// Standardize), so amplitude bounds and the noise floor mean the same for accuracies and for latencies in
// milliseconds; predictions are un-standardised. BO objectives are often noise-free, so the default noise is
// not learnt but a floor of 1e-6 (standardised units, Optuna's minimum noise variance): K + σn²I stays
// factorisable when two trials are close. If a factorisation still fails, `cholesky` retries with jitter
// growing ×10. Standardisation uses the population sd (ddof 0, like sklearn); all-equal y get scale 1.
// The linear algebra is a plain Cholesky on Float64Array rather than ml-matrix: measured here (2-core EPYC),
// ml-matrix 6.15.1's CholeskyDecomposition took 1.35 ms at n = 100 and 4.7 ms at n = 200, this one 0.7 and 3.7
// ms, and it saves a dependency for the one factorisation a GP needs.
import { checkSeed, deriveSeed, SeededRandom } from "../data/seeded";

export type KernelName = "rbf" | "matern52";

export interface KernelParams {
  kernel: KernelName;
  /** Signal variance s² (the kernel's value at distance 0). */
  amplitude: number;
  /** One length scale per input dimension (ARD). */
  lengthScales: readonly number[];
}

/** Kernel parameters plus the noise variance σn² added to the training covariance's diagonal. */
export type GpParams = KernelParams & { noise: number };

type Matrix = readonly (readonly number[])[];

const LOG_2PI = Math.log(2 * Math.PI);
const KERNELS: readonly KernelName[] = ["rbf", "matern52"];
/** Jitter relative to mean(diag), tried in turn (literals: 10 ** -5 is not exactly 1e-5). */
const JITTER_STEPS = [1e-10, 1e-9, 1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2] as const;

// ---------------------------------------------------------------------------------------------------------
// Checks: each names the bad value and what was expected.

/** Checks rows of equal length of finite numbers; returns d. `expectedD` (if given) fixes the width. */
function checkRows(X: Matrix, what: string, allowEmpty: boolean, expectedD?: number, dSource = ""): number {
  if (!Array.isArray(X)) throw new RangeError(`${what} must be an array of rows (points in [0,1]^d), got ${typeof X}`);
  if (X.length === 0 && !allowEmpty) {
    throw new RangeError(`${what} is empty: the GP needs at least one point (rows of coordinates in [0,1]^d), got 0 rows`);
  }
  let d = expectedD;
  let source = dSource;
  for (let i = 0; i < X.length; i++) {
    const row = X[i];
    if (!Array.isArray(row)) throw new RangeError(`${what}[${i}] must be an array of numbers, got ${typeof row}`);
    if (d === undefined) {
      if (row.length === 0) throw new RangeError(`${what}[0] has no coordinates: d must be at least 1`);
      d = row.length;
      source = `as ${what}[0]`;
    } else if (row.length !== d) {
      throw new RangeError(`${what}[${i}] has ${row.length} coordinates, expected ${d} (${source})`);
    }
    for (let j = 0; j < row.length; j++) {
      const v = row[j];
      if (typeof v !== "number" || !Number.isFinite(v)) {
        throw new RangeError(`${what}[${i}][${j}] is ${String(v)}, expected a finite number (inputs are mapped to [0,1]^d before the GP)`);
      }
    }
  }
  return d ?? 0;
}

function checkTargets(y: readonly number[], n: number): void {
  if (!Array.isArray(y)) throw new RangeError(`y must be an array of numbers, got ${typeof y}`);
  if (y.length !== n) throw new RangeError(`X and y must have the same length: X has ${n} rows, y has ${y.length} values`);
  for (let i = 0; i < n; i++) {
    const v = y[i];
    if (typeof v !== "number" || !Number.isFinite(v)) {
      throw new RangeError(
        `y[${i}] is ${String(v)}, expected a finite number: NaN/Infinity objectives must not reach the GP ` +
          `(infeasible or failed trials are handled by the searcher)`,
      );
    }
  }
}

function checkPositive(v: unknown, what: string): void {
  if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) {
    throw new RangeError(`${what} must be a positive finite number, got ${String(v)}`);
  }
}

function checkKernelParams(params: KernelParams, d: number): void {
  if (!params || typeof params !== "object") throw new RangeError(`kernel parameters must be an object, got ${String(params)}`);
  if (!KERNELS.includes(params.kernel)) {
    throw new RangeError(`kernel must be "rbf" or "matern52", got ${JSON.stringify(params.kernel)}`);
  }
  checkPositive(params.amplitude, "amplitude (signal variance s²)");
  const ls = params.lengthScales;
  if (!Array.isArray(ls) || ls.length !== d) {
    throw new RangeError(
      `lengthScales has ${Array.isArray(ls) ? ls.length : "no"} entries, expected one per input dimension (d = ${d})`,
    );
  }
  for (let k = 0; k < d; k++) checkPositive(ls[k], `lengthScales[${k}]`);
}

function checkGpParams(params: GpParams, d: number): void {
  checkKernelParams(params, d);
  checkPositive(params.noise, "noise (noise variance σn²)");
}

// ---------------------------------------------------------------------------------------------------------
// Kernels.

/** k(r²) for the kernel; r² is the ARD-scaled squared distance. */
function kernelOf(kind: KernelName, s2: number, r2: number): number {
  if (kind === "rbf") return s2 * Math.exp(-0.5 * r2);
  const u = Math.sqrt(5 * r2); // √5·r
  return s2 * (1 + u + (u * u) / 3) * Math.exp(-u);
}

/** K[i][j] = s²·exp(−r²/2) (RBF) or s²(1+√5r+5r²/3)exp(−√5r) (Matérn 5/2), r² = Σ_j (x_j−z_j)²/l_j². */
export function kernelMatrix(X: Matrix, Z: Matrix, params: KernelParams): number[][] {
  const d = checkRows(X, "X", false);
  checkKernelParams(params, d);
  checkRows(Z, "Z", true, d, "as X's rows");
  const invL2 = params.lengthScales.map((l) => 1 / (l * l));
  return X.map((x) =>
    Z.map((z) => {
      let r2 = 0;
      for (let k = 0; k < d; k++) {
        const t = x[k] - z[k];
        r2 += t * t * invL2[k];
      }
      return kernelOf(params.kernel, params.amplitude, r2);
    }),
  );
}

// ---------------------------------------------------------------------------------------------------------
// Linear algebra on row-major Float64Array matrices.

/** Σ_{k<len} a[ia+k]·b[ib+k], four partial sums (independent chains: about twice as fast in V8). */
function dot(a: Float64Array, ia: number, b: Float64Array, ib: number, len: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let k = 0;
  for (; k + 3 < len; k += 4) {
    s0 += a[ia + k] * b[ib + k];
    s1 += a[ia + k + 1] * b[ib + k + 1];
    s2 += a[ia + k + 2] * b[ib + k + 2];
    s3 += a[ia + k + 3] * b[ib + k + 3];
  }
  for (; k < len; k++) s0 += a[ia + k] * b[ib + k];
  return s0 + s1 + (s2 + s3);
}

/**
 * In-place lower Cholesky factor of the symmetric n×n `a` (reads the lower triangle, zeroes the upper).
 * Returns false when a pivot is not numerically positive (≤ 4ε times that row's diagonal, or NaN).
 */
function factorInPlace(a: Float64Array, n: number): boolean {
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j < i; j++) {
      const rj = j * n;
      a[ri + j] = (a[ri + j] - dot(a, ri, a, rj, j)) / a[rj + j];
    }
    const pivot = a[ri + i] - dot(a, ri, a, ri, i);
    if (!(pivot > 4 * Number.EPSILON * Math.abs(a[ri + i]))) return false;
    a[ri + i] = Math.sqrt(pivot);
    for (let j = i + 1; j < n; j++) a[ri + j] = 0;
  }
  return true;
}

/**
 * Factors `src` into `out` (src unchanged); on failure retries with jitter·I, jitter = 1e-10·mean(diag) ×10
 * up to 1e-2·mean(diag) (|mean|, or 1 when the mean diagonal is 0). Returns the jitter; throws if none works.
 */
function factorWithJitter(src: Float64Array, n: number, out: Float64Array): number {
  out.set(src);
  if (factorInPlace(out, n)) return 0;
  let trace = 0;
  for (let i = 0; i < n; i++) trace += src[i * n + i];
  const scale = Math.abs(trace / n) || 1;
  let jitter = 0;
  for (const factor of JITTER_STEPS) {
    jitter = scale * factor;
    out.set(src);
    for (let i = 0; i < n; i++) out[i * n + i] += jitter;
    if (factorInPlace(out, n)) return jitter;
  }
  throw new RangeError(
    `cholesky: the ${n}×${n} matrix is not positive definite, even with jitter ${jitter} (1e-2·|mean(diag)|) added to its diagonal`,
  );
}

/** Solves L x = b in place (b becomes x). */
function solveLower(L: Float64Array, n: number, b: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    b[i] = (b[i] - dot(L, ri, b, 0, i)) / L[ri + i];
  }
}

/** Solves Lᵀ x = b in place (row-oriented: each solved x_i is subtracted from the rows above). */
function solveUpperT(L: Float64Array, n: number, b: Float64Array): void {
  for (let i = n - 1; i >= 0; i--) {
    const ri = i * n;
    const xi = b[i] / L[ri + i];
    b[i] = xi;
    for (let k = 0; k < i; k++) b[k] -= L[ri + k] * xi;
  }
}

/**
 * Lower-triangular Cholesky factor of a symmetric matrix; if it is not positive definite, adds jitter
 * 1e-10·mean(diag), ×10 each retry up to 1e-2·mean(diag), then throws naming the matrix size and the last
 * jitter. Returns the factor (row-major n×n, upper triangle 0) and the jitter used (0 if none).
 */
export function cholesky(A: Matrix): { L: Float64Array; n: number; jitter: number } {
  if (!Array.isArray(A) || A.length === 0) throw new RangeError(`cholesky: A must be a non-empty square matrix, got ${Array.isArray(A) ? "0 rows" : typeof A}`);
  const n = A.length;
  checkRows(A, "A", false, n, `A has ${n} rows, so it must be ${n}×${n}`);
  const src = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const a = A[i][j], b = A[j][i];
      if (j < i && Math.abs(a - b) > 1e-10 * (Math.abs(A[i][i]) + Math.abs(A[j][j]))) {
        throw new RangeError(`cholesky: A must be symmetric, got A[${i}][${j}] = ${a} but A[${j}][${i}] = ${b}`);
      }
      src[i * n + j] = a;
    }
  }
  const L = new Float64Array(n * n);
  const jitter = factorWithJitter(src, n, L);
  return { L, n, jitter };
}

// ---------------------------------------------------------------------------------------------------------
// Posterior (GPML Algorithm 2.1).

interface Posterior {
  kind: KernelName;
  s2: number;
  invL2: Float64Array;
  n: number;
  d: number;
  X: Float64Array; // n×d row-major
  L: Float64Array; // chol(K + σn²I + jitter·I)
  alpha: Float64Array; // (K + σn²I)⁻¹ y
  jitter: number;
  logLikelihood: number;
}

function flatten(X: Matrix, d: number): Float64Array {
  const out = new Float64Array(X.length * d);
  X.forEach((row, i) => {
    for (let k = 0; k < d; k++) out[i * d + k] = row[k];
  });
  return out;
}

function posteriorOf(X: Float64Array, n: number, d: number, y: Float64Array, params: GpParams): Posterior {
  const s2 = params.amplitude;
  const invL2 = Float64Array.from(params.lengthScales, (l) => 1 / (l * l));
  const K = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    K[i * n + i] = s2 + params.noise;
    for (let j = 0; j < i; j++) {
      let r2 = 0;
      for (let k = 0; k < d; k++) {
        const t = X[i * d + k] - X[j * d + k];
        r2 += t * t * invL2[k];
      }
      K[i * n + j] = K[j * n + i] = kernelOf(params.kernel, s2, r2);
    }
  }
  const L = new Float64Array(n * n);
  const jitter = factorWithJitter(K, n, L);
  const alpha = Float64Array.from(y);
  solveLower(L, n, alpha);
  const quad = dot(alpha, 0, alpha, 0, n); // yᵀK⁻¹y = |L⁻¹y|²
  let logDet = 0;
  for (let i = 0; i < n; i++) logDet += Math.log(L[i * n + i]);
  solveUpperT(L, n, alpha);
  const logLikelihood = -0.5 * quad - logDet - 0.5 * n * LOG_2PI;
  return { kind: params.kernel, s2, invL2, n, d, X, L, alpha, jitter, logLikelihood };
}

/** Posterior mean and variance of f (clipped ≥ 0) at the rows of Xs, in the units of the y it was built on. */
function predictFrom(post: Posterior, Xs: Matrix): { mean: number[]; variance: number[] } {
  const { n, d, X, L, alpha, invL2, s2, kind } = post;
  const mean: number[] = [];
  const variance: number[] = [];
  const v = new Float64Array(n);
  for (const xs of Xs) {
    let mu = 0;
    for (let i = 0; i < n; i++) {
      let r2 = 0;
      for (let k = 0; k < d; k++) {
        const t = xs[k] - X[i * d + k];
        r2 += t * t * invL2[k];
      }
      v[i] = kernelOf(kind, s2, r2);
      mu += v[i] * alpha[i];
    }
    solveLower(L, n, v);
    let vv = 0;
    for (let i = 0; i < n; i++) vv += v[i] * v[i];
    mean.push(mu);
    variance.push(Math.max(0, s2 - vv));
  }
  return { mean, variance };
}

/**
 * GPML Algorithm 2.1 with fixed hyperparameters, no output standardisation: posterior mean and variance
 * (variance of f, without the noise, clipped ≥ 0) at Xs. noise = noise variance σn² added to K's diagonal.
 */
export function gpPosterior(X: Matrix, y: readonly number[], Xs: Matrix, params: GpParams): { mean: number[]; variance: number[] } {
  const d = checkRows(X, "X", false);
  checkTargets(y, X.length);
  checkGpParams(params, d);
  checkRows(Xs, "Xs", true, d, "as X's rows");
  return predictFrom(posteriorOf(flatten(X, d), X.length, d, Float64Array.from(y), params), Xs);
}

// ---------------------------------------------------------------------------------------------------------
// Log marginal likelihood and its gradient (GPML eq. 2.30, 5.9), on a precomputed problem so that ML-II
// evaluates it fast: per pair i < j the squared differences per dimension are computed once.

interface Problem {
  kind: KernelName;
  n: number;
  d: number;
  y: Float64Array;
  /** (x_ik − x_jk)² for the pairs i < j (i outer), d per pair. */
  sq: Float64Array;
  // state of the last evaluateValue, read by evaluateGradient
  s2: number;
  noise: number;
  invL2: Float64Array;
  /** K_f (without noise), full n×n. */
  K: Float64Array;
  /** Cholesky factor of K_f + σn²I (+ jitter). */
  L: Float64Array;
  /** Per pair: c_ij with ∂K_ij/∂log l_k = c_ij·(x_ik − x_jk)²/l_k². */
  C: Float64Array;
  alpha: Float64Array;
  // work buffers
  A: Float64Array;
  U: Float64Array;
}

function problemOf(kind: KernelName, X: Float64Array, n: number, d: number, y: Float64Array): Problem {
  const pairs = (n * (n - 1)) / 2;
  const sq = new Float64Array(pairs * d);
  let p = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++, p++) {
      for (let k = 0; k < d; k++) {
        const t = X[i * d + k] - X[j * d + k];
        sq[p * d + k] = t * t;
      }
    }
  }
  const nn = n * n;
  return {
    kind, n, d, y, sq, s2: Number.NaN, noise: Number.NaN, invL2: new Float64Array(d),
    K: new Float64Array(nn), L: new Float64Array(nn), C: new Float64Array(pairs), alpha: new Float64Array(n),
    A: new Float64Array(nn), U: new Float64Array(nn),
  };
}

/**
 * log p(y | θ) = −½yᵀα − Σ log L_ii − (n/2) log 2π for θ = [log s², log l_1..log l_d, log σn²], leaving K_f, L
 * and α in `pb` for evaluateGradient. With allowJitter false a failed factorisation returns NaN (the optimiser
 * backtracks); with it true the jitter of `factorWithJitter` is added (the value is then that of
 * K + (σn² + jitter)I).
 */
function evaluateValue(pb: Problem, theta: Float64Array, allowJitter: boolean): number {
  const { kind, n, d, y, sq, K, L, C, alpha, invL2 } = pb;
  const s2 = Math.exp(theta[0]);
  for (let k = 0; k < d; k++) invL2[k] = Math.exp(-2 * theta[1 + k]);
  const noise = Math.exp(theta[d + 1]);
  pb.s2 = s2;
  pb.noise = noise;
  let p = 0;
  for (let i = 0; i < n; i++) {
    K[i * n + i] = s2;
    for (let j = i + 1; j < n; j++, p++) {
      let r2 = 0;
      for (let k = 0; k < d; k++) r2 += sq[p * d + k] * invL2[k];
      let kv: number, c: number;
      if (kind === "rbf") {
        kv = s2 * Math.exp(-0.5 * r2);
        c = kv;
      } else {
        const u = Math.sqrt(5 * r2);
        const e = Math.exp(-u);
        kv = s2 * (1 + u + (u * u) / 3) * e; // the same operations as kernelOf
        c = (5 / 3) * s2 * (1 + u) * e;
      }
      K[i * n + j] = K[j * n + i] = kv;
      C[p] = c;
    }
  }
  if (allowJitter) {
    const A = pb.A;
    A.set(K);
    for (let i = 0; i < n; i++) A[i * n + i] += noise;
    factorWithJitter(A, n, L);
  } else {
    L.set(K);
    for (let i = 0; i < n; i++) L[i * n + i] += noise;
    if (!factorInPlace(L, n)) return Number.NaN;
  }
  alpha.set(y);
  solveLower(L, n, alpha);
  const quad = dot(alpha, 0, alpha, 0, n); // yᵀK⁻¹y = |L⁻¹y|²
  let logDet = 0;
  for (let i = 0; i < n; i++) logDet += Math.log(L[i * n + i]);
  solveUpperT(L, n, alpha);
  return -0.5 * quad - logDet - 0.5 * n * LOG_2PI;
}

/**
 * ∂ log p/∂θ at the θ of the last evaluateValue (GPML eq. 5.9): ½ tr((ααᵀ − K⁻¹) ∂K/∂θ_j), with
 * ∂K/∂log s² = K_f, ∂K/∂log σn² = σn²I and ∂K_ij/∂log l_k = c_ij·(x_ik − x_jk)²/l_k², c = K_ij (RBF) or
 * (5/3)s²(1 + √5r)exp(−√5r) (Matérn 5/2).
 *
 * K⁻¹ = L⁻ᵀL⁻¹ from U = L⁻ᵀ (upper triangular; row j of U is column j of L⁻¹, U_ji =
 * −(Σ_{j≤k<i} L_ik U_jk)/L_ii), then (K⁻¹)_ab = Σ_{k≥a} U_ak U_bk for b ≤ a: all contiguous dot products. Each
 * (K⁻¹)_ab is used at once, so K⁻¹ is never stored.
 */
function evaluateGradient(pb: Problem, grad: Float64Array): void {
  const { n, d, sq, K, L, C, alpha, invL2, U, s2, noise } = pb;
  for (let j = 0; j < n; j++) {
    const rj = j * n;
    U[rj + j] = 1 / L[rj + j];
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      U[rj + i] = -dot(L, ri + j, U, rj + j, i - j) / L[ri + i];
    }
  }
  let gAmp = 0, gNoise = 0;
  for (let k = 0; k < d; k++) grad[1 + k] = 0;
  let p = 0;
  for (let b = 0; b < n; b++) {
    const rb = b * n;
    const ab = alpha[b];
    const w = ab * ab - dot(U, rb + b, U, rb + b, n - b);
    gAmp += 0.5 * w * s2;
    gNoise += 0.5 * w * noise;
    for (let a = b + 1; a < n; a++, p++) {
      const ra = a * n;
      const wab = ab * alpha[a] - dot(U, ra + a, U, rb + a, n - a); // W_ab = W_ba: the pair counts twice, times ½
      gAmp += wab * K[rb + a];
      const wc = wab * C[p];
      for (let k = 0; k < d; k++) grad[1 + k] += wc * sq[p * d + k];
    }
  }
  grad[0] = gAmp;
  for (let k = 0; k < d; k++) grad[1 + k] *= invL2[k];
  grad[d + 1] = gNoise;
}

function thetaOf(params: GpParams): Float64Array {
  return Float64Array.from([Math.log(params.amplitude), ...params.lengthScales.map(Math.log), Math.log(params.noise)]);
}

/** Exact log marginal likelihood and its gradient with respect to θ = [log s², log l_1..log l_d, log σn²] (GPML eq. 5.9). */
export function logMarginalLikelihood(X: Matrix, y: readonly number[], params: GpParams): { value: number; gradient: number[] } {
  const d = checkRows(X, "X", false);
  checkTargets(y, X.length);
  checkGpParams(params, d);
  const pb = problemOf(params.kernel, flatten(X, d), X.length, d, Float64Array.from(y));
  const grad = new Float64Array(d + 2);
  const value = evaluateValue(pb, thetaOf(params), true);
  evaluateGradient(pb, grad);
  return { value, gradient: Array.from(grad) };
}

// ---------------------------------------------------------------------------------------------------------
// ML-II optimiser: projected L-BFGS on a box (minimises f = −log p in log-parameter space).
//
// Each iteration: the free variables are those not at a bound with the gradient pushing outwards (and not
// fixed, lo = hi); the direction is the L-BFGS two-loop recursion (memory 10, H0 = sᵀy/yᵀy·I) on the free
// gradient, or steepest descent (first step at most 1 in every log-parameter) when there is no curvature pair
// yet or the recursion gives no descent direction. The memory is dropped when the free set changes (a
// variable reaches or leaves a bound), keeping only the step scale sᵀy/yᵀy. The step is backtracked along
// the projected path P(x + t·d), t from 1, by quadratic interpolation kept within [0.1t, 0.5t], until
// Armijo's condition f(x_t) ≤ f(x) + 1e-4·gᵀ(x_t − x) holds and f decreased; a point where the Cholesky
// fails counts as rejected; the search gives up when the step is below 1e-10 in every log-parameter (one
// retry from steepest descent). A full step that leaves the slope steep is extended (lineSearch). Gradients
// are computed only at accepted points. A curvature pair is kept only if sᵀy > 1e-10·|s||y|. Stops when the
// projected gradient is ≤ 1e-6 (inf-norm), when the step's predicted decrease −gᵀd or an accepted step's
// actual decrease is ≤ 1e-11·max(1, |f|) (roundoff level: f is a sum of n terms), when the line search
// fails, or after 200 iterations. Pure arithmetic in a fixed order: the same start gives the same result,
// bit for bit.

interface Minimum {
  x: Float64Array;
  f: number;
}

/** f (+∞ where undefined) and its gradient at the point of the last `value` call (computed only when needed). */
interface Objective {
  value(x: Float64Array): number;
  gradient(g: Float64Array): void;
}

function minimiseInBox(
  f: Objective,
  start: Float64Array,
  lo: Float64Array,
  hi: Float64Array,
): Minimum {
  const m = start.length;
  const MEMORY = 10;
  const clip = (v: number, i: number) => Math.min(hi[i], Math.max(lo[i], v));
  let x = start.map(clip);
  let g = new Float64Array(m);
  let fx = f.value(x);
  if (!Number.isFinite(fx)) return { x, f: Number.POSITIVE_INFINITY };
  f.gradient(g);
  const S: Float64Array[] = [], Y: Float64Array[] = [], R: number[] = [];
  const q = new Float64Array(m), dir = new Float64Array(m), free = new Uint8Array(m);
  const alphas = new Float64Array(MEMORY);
  let xn = new Float64Array(m), gn = new Float64Array(m);
  let fn = Number.NaN;
  let gammaKept = 0;

  /** Two-loop recursion: dir = −H·g on the free variables; returns gᵀdir. */
  const quasiNewton = (): number => {
    for (let i = 0; i < m; i++) q[i] = free[i] ? g[i] : 0;
    for (let h = S.length - 1; h >= 0; h--) {
      let a = 0;
      for (let i = 0; i < m; i++) a += S[h][i] * q[i];
      a *= R[h];
      alphas[h] = a;
      for (let i = 0; i < m; i++) q[i] -= a * Y[h][i];
    }
    const last = S.length - 1;
    let yy = 0;
    for (let i = 0; i < m; i++) yy += Y[last][i] * Y[last][i];
    const gamma = 1 / (R[last] * yy); // sᵀy / yᵀy
    for (let i = 0; i < m; i++) q[i] *= gamma;
    for (let h = 0; h < S.length; h++) {
      let b = 0;
      for (let i = 0; i < m; i++) b += Y[h][i] * q[i];
      b *= R[h];
      for (let i = 0; i < m; i++) q[i] += (alphas[h] - b) * S[h][i];
    }
    let dg = 0;
    for (let i = 0; i < m; i++) {
      dir[i] = free[i] ? -q[i] : 0;
      dg += dir[i] * g[i];
    }
    return dg;
  };
  /**
   * Forgets the curvature pairs; dir = −g on the free variables, scaled by the last sᵀy/yᵀy when the memory was
   * dropped because the free set changed (gammaKept), else to move ≤ 1 per coordinate.
   */
  const steepest = (): number => {
    S.length = Y.length = R.length = 0;
    let big = 0;
    for (let i = 0; i < m; i++) big = Math.max(big, free[i] ? Math.abs(g[i]) : 0);
    const scale = gammaKept > 0 ? gammaKept : Math.min(1, 1 / big);
    gammaKept = 0;
    let dg = 0;
    for (let i = 0; i < m; i++) {
      dir[i] = free[i] ? -g[i] * scale : 0;
      dg += dir[i] * g[i];
    }
    return dg;
  };
  /** Fills xn = P(x + t·dir); returns gᵀ(xn − x) and whether a coordinate was clipped. */
  const trial = (t: number): { gs: number; clipped: boolean } => {
    let gs = 0, clipped = false;
    for (let i = 0; i < m; i++) {
      const v = x[i] + t * dir[i];
      xn[i] = clip(v, i);
      if (xn[i] !== v) clipped = true;
      gs += g[i] * (xn[i] - x[i]);
    }
    return { gs, clipped };
  };
  /**
   * Backtracking along P(x + t·dir) from t = 1; true when a step is accepted (xn, gn, fn hold it). When the
   * full step is accepted while the slope there is still steep (gₙᵀdir < 0.9·gᵀdir, Wolfe's curvature
   * condition fails, e.g. on a nearly linear stretch where the curvature pairs underestimate the step), the
   * step is extended ×4 (at most 6 times) while f keeps decreasing.
   */
  const lineSearch = (dg: number): boolean => {
    let big = 0;
    for (let i = 0; i < m; i++) big = Math.max(big, Math.abs(dir[i]));
    let t = 1;
    for (let attempt = 0; t * big >= 1e-10; attempt++) {
      const { gs, clipped } = trial(t);
      fn = f.value(xn);
      if (Number.isFinite(fn) && fn < fx && fn <= fx + 1e-4 * gs) {
        f.gradient(gn);
        if (attempt > 0 || clipped) return true;
        let slope = 0;
        for (let i = 0; i < m; i++) slope += gn[i] * dir[i];
        if (slope >= 0.9 * dg) return true;
        // extension: value only; the gradient is recomputed at the point finally kept
        let best = fn, tBest = t;
        for (let e = 0; e < 6; e++) {
          const t2 = tBest * 4;
          const { gs: gs2, clipped: clipped2 } = trial(t2);
          const f2 = f.value(xn);
          if (!(Number.isFinite(f2) && f2 < best && f2 <= fx + 1e-4 * gs2)) break;
          best = f2;
          tBest = t2;
          if (clipped2) break;
        }
        trial(tBest);
        fn = f.value(xn);
        f.gradient(gn);
        return true;
      }
      // minimiser of the quadratic through f(x), slope dg and f(x_t), within [0.1t, 0.5t]
      const curvature = Number.isFinite(fn) ? fn - fx - dg * t : Number.POSITIVE_INFINITY;
      const tq = curvature > 0 ? (-dg * t * t) / (2 * curvature) : 0.5 * t;
      t = Math.min(0.5 * t, Math.max(0.1 * t, tq));
    }
    return false;
  };

  const wasFree = new Uint8Array(m);
  for (let iter = 0; iter < 200; iter++) {
    let pg = 0, changed = false;
    for (let i = 0; i < m; i++) {
      const blocked = hi[i] <= lo[i] || (x[i] <= lo[i] && g[i] > 0) || (x[i] >= hi[i] && g[i] < 0);
      wasFree[i] = free[i];
      free[i] = blocked ? 0 : 1;
      if (iter > 0 && free[i] !== wasFree[i]) changed = true;
      if (!blocked) pg = Math.max(pg, Math.abs(g[i]));
    }
    if (pg <= 1e-6) break;
    if (changed && S.length > 0) {
      // pairs measured with other variables free mislead the recursion (zig-zag along a bound): restart it
      const last = S.length - 1;
      let yy = 0;
      for (let i = 0; i < m; i++) yy += Y[last][i] * Y[last][i];
      gammaKept = 1 / (R[last] * yy);
      S.length = Y.length = R.length = 0;
    }
    const tolerance = 1e-11 * Math.max(1, Math.abs(fx));
    let dg = S.length > 0 ? quasiNewton() : steepest();
    if (!(dg < 0)) dg = steepest();
    if (-dg <= tolerance) break;
    let accepted = lineSearch(dg);
    if (!accepted && S.length > 0) {
      dg = steepest();
      accepted = -dg > tolerance && lineSearch(dg);
    }
    if (!accepted) break;
    const s = new Float64Array(m), yv = new Float64Array(m);
    let sy = 0, ss = 0, yy = 0;
    for (let i = 0; i < m; i++) {
      s[i] = xn[i] - x[i];
      yv[i] = gn[i] - g[i];
      sy += s[i] * yv[i];
      ss += s[i] * s[i];
      yy += yv[i] * yv[i];
    }
    if (sy > 1e-10 * Math.sqrt(ss * yy)) {
      if (S.length === MEMORY) {
        S.shift();
        Y.shift();
        R.shift();
      }
      S.push(s);
      Y.push(yv);
      R.push(1 / sy);
    }
    const decrease = fx - fn;
    [x, xn] = [xn, x];
    [g, gn] = [gn, g];
    fx = fn;
    if (decrease <= tolerance) break;
  }
  return { x, f: fx };
}

// ---------------------------------------------------------------------------------------------------------
// The model a searcher uses.

export interface GpFitOptions {
  /** Default "matern52". */
  kernel?: KernelName;
  /** ML-II random restarts besides the default start; default 5. */
  restarts?: number;
  /** Seed of the restarts' starting points; default 0. */
  seed?: number;
  /** Length-scale bounds in normalised input units, default [0.01, 100] (skopt's). */
  lengthScaleBounds?: [number, number];
  /** Amplitude (s²) bounds in standardised units, default [0.01, 100]. */
  amplitudeBounds?: [number, number];
  /**
   * Noise variance in standardised units: a number is kept fixed (default 1e-6, a jitter floor for noise-free
   * objectives); "fit" learns it in [1e-6, 1].
   */
  noise?: number | "fit";
  /** Default true: y → (y − mean)/sd before the GP, predictions un-standardised. */
  standardize?: boolean;
}

/** ML-II's default start: amplitude 1 and length scale 0.5 (half the unit cube) on every dimension, noise 1e-2 when fitted. */
export const DEFAULT_START = { amplitude: 1, lengthScale: 0.5, noise: 1e-2 } as const;
const FIT_NOISE_BOUNDS: [number, number] = [1e-6, 1];

function checkBounds(b: unknown, what: string): [number, number] {
  if (!Array.isArray(b) || b.length !== 2 || !b.every((v) => typeof v === "number" && Number.isFinite(v) && v > 0) || b[0] > b[1]) {
    throw new RangeError(`${what} must be [low, high] with 0 < low ≤ high, both finite, got ${JSON.stringify(b)}`);
  }
  return [b[0], b[1]];
}

function standardizer(y: readonly number[], standardize: boolean): { mean: number; scale: number } {
  if (!standardize) return { mean: 0, scale: 1 };
  const n = y.length;
  let mean = 0;
  for (const v of y) mean += v;
  mean /= n;
  let ss = 0;
  for (const v of y) ss += (v - mean) * (v - mean);
  const sd = Math.sqrt(ss / n);
  return { mean, scale: sd > 0 && Number.isFinite(sd) ? sd : 1 };
}

export class GaussianProcess {
  /** Hyperparameters, in standardised units (amplitude and noise are variances of the standardised y). */
  readonly params: GpParams;
  /** Log marginal likelihood of the standardised y at `params` (without the −n·log(yScale) of the change of units). */
  readonly logLikelihood: number;
  readonly yMean: number;
  readonly yScale: number;
  readonly X: number[][];
  readonly y: number[];
  private readonly post: Posterior;

  private constructor(X: number[][], y: number[], params: GpParams, standardize: boolean) {
    this.X = X;
    this.y = y;
    const { mean, scale } = standardizer(y, standardize);
    this.yMean = mean;
    this.yScale = scale;
    this.params = { kernel: params.kernel, amplitude: params.amplitude, lengthScales: [...params.lengthScales], noise: params.noise };
    const d = X[0].length;
    const ys = Float64Array.from(y, (v) => (v - mean) / scale);
    this.post = posteriorOf(flatten(X, d), X.length, d, ys, this.params);
    this.logLikelihood = this.post.logLikelihood;
  }

  /** A GP with the given hyperparameters (standardised units when standardize, the default), no fitting. */
  static withParams(X: Matrix, y: readonly number[], params: GpParams, options: { standardize?: boolean } = {}): GaussianProcess {
    const d = checkRows(X, "X", false);
    checkTargets(y, X.length);
    checkGpParams(params, d);
    const standardize = options.standardize ?? true;
    if (typeof standardize !== "boolean") throw new RangeError(`standardize must be true or false, got ${String(standardize)}`);
    return new GaussianProcess(X.map((r) => [...r]), [...y], params, standardize);
  }

  /**
   * ML-II: maximises the log marginal likelihood of the (standardised) y over the log-parameters within the
   * bounds, by `minimiseInBox` from DEFAULT_START (clipped to the bounds) and from `restarts` starts uniform
   * in the log-bounds (restart i seeded by deriveSeed(seed, "restart", i)); keeps the best (the earliest on a
   * tie). Same inputs and seed ⇒ bit-identical parameters.
   */
  static fit(X: Matrix, y: readonly number[], options: GpFitOptions = {}): GaussianProcess {
    const d = checkRows(X, "X", false);
    checkTargets(y, X.length);
    const kernel = options.kernel ?? "matern52";
    if (!KERNELS.includes(kernel)) throw new RangeError(`kernel must be "rbf" or "matern52", got ${JSON.stringify(kernel)}`);
    const restarts = options.restarts ?? 5;
    if (!Number.isInteger(restarts) || restarts < 0) throw new RangeError(`restarts must be a non-negative integer, got ${String(restarts)}`);
    const seed = checkSeed(options.seed ?? 0, "seed");
    const lsB = checkBounds(options.lengthScaleBounds ?? [0.01, 100], "lengthScaleBounds");
    const ampB = checkBounds(options.amplitudeBounds ?? [0.01, 100], "amplitudeBounds");
    const noiseOpt = options.noise ?? 1e-6;
    if (noiseOpt !== "fit") checkPositive(noiseOpt, 'noise (noise variance σn², or "fit")');
    const noiseB: [number, number] = noiseOpt === "fit" ? FIT_NOISE_BOUNDS : [noiseOpt, noiseOpt];
    const standardize = options.standardize ?? true;
    if (typeof standardize !== "boolean") throw new RangeError(`standardize must be true or false, got ${String(standardize)}`);

    const n = X.length;
    const { mean, scale } = standardizer(y, standardize);
    const ys = Float64Array.from(y, (v) => (v - mean) / scale);
    const pb = problemOf(kernel, flatten(X, d), n, d, ys);
    const m = d + 2;
    const lo = new Float64Array(m), hi = new Float64Array(m);
    const bounds = [ampB, ...Array.from({ length: d }, () => lsB), noiseB];
    bounds.forEach(([a, b], i) => {
      lo[i] = Math.log(a);
      hi[i] = Math.log(b);
    });
    const objective: Objective = {
      value: (theta) => {
        const v = evaluateValue(pb, theta, false);
        return Number.isNaN(v) ? Number.POSITIVE_INFINITY : -v;
      },
      gradient: (g) => {
        evaluateGradient(pb, g);
        for (let i = 0; i < m; i++) g[i] = -g[i];
      },
    };
    const starts: Float64Array[] = [
      Float64Array.from([Math.log(DEFAULT_START.amplitude), ...Array.from({ length: d }, () => Math.log(DEFAULT_START.lengthScale)),
        noiseOpt === "fit" ? Math.log(DEFAULT_START.noise) : Math.log(noiseOpt)]),
    ];
    for (let r = 0; r < restarts; r++) {
      const rng = new SeededRandom(deriveSeed(seed, "restart", r));
      starts.push(Float64Array.from({ length: m }, (_, i) => lo[i] + (hi[i] - lo[i]) * rng.next()));
    }
    const paramsAt = (x: Float64Array): GpParams => {
      // exp(log(b)) need not be b: a parameter at a bound gets the bound itself
      const value = (i: number) =>
        x[i] <= lo[i] ? bounds[i][0] : x[i] >= hi[i] ? bounds[i][1] : Math.min(bounds[i][1], Math.max(bounds[i][0], Math.exp(x[i])));
      return {
        kernel,
        amplitude: value(0),
        lengthScales: Array.from({ length: d }, (_, k) => value(1 + k)),
        noise: noiseOpt === "fit" ? value(d + 1) : noiseOpt,
      };
    };
    // Candidates are compared by the log-likelihood the model will report (computed at the rounded-to-bound
    // parameters, by the model's own code path), so that more restarts can never report a lower value.
    const Xf = flatten(X, d);
    let best: { params: GpParams; logLikelihood: number } | null = null;
    for (const start of starts) {
      const found = minimiseInBox(objective, start, lo, hi);
      if (!Number.isFinite(found.f)) continue;
      const params = paramsAt(found.x);
      const logLikelihood = posteriorOf(Xf, n, d, ys, params).logLikelihood;
      if (best === null || logLikelihood > best.logLikelihood) best = { params, logLikelihood };
    }
    if (best === null) {
      throw new RangeError(`GaussianProcess.fit: K + σn²I was not positive definite at any of the ${starts.length} starts (n = ${n}, d = ${d})`);
    }
    return new GaussianProcess(X.map((r) => [...r]), [...y], best.params, standardize);
  }

  /** Posterior mean and variance of f at the rows of Xs, in the caller's y units (variance × yScale²). */
  predict(Xs: Matrix): { mean: number[]; variance: number[] } {
    checkRows(Xs, "Xs", true, this.post.d, "as the training inputs");
    const { mean, variance } = predictFrom(this.post, Xs);
    const s = this.yScale;
    return { mean: mean.map((v) => v * s + this.yMean), variance: variance.map((v) => v * s * s) };
  }
}
