// Acquisition functions: how Bayesian optimisation turns a GP's mean μ and standard deviation σ at a point
// into a score, and the optimiser that finds the best-scoring configuration not yet evaluated.
//
// One convention throughout, for minimisation: LCB(x) = μ(x) − √β·σ(x), minimised (optimism under
// uncertainty: a point is as good as it could plausibly be). UCB(x) = μ(x) + √β·σ(x) is its mirror for
// maximisation. √β multiplies σ (BoTorch's and Srinivas et al.'s convention); skopt's kappa and the SVM-CBO
// code's 1.96 multiply σ directly, so their kappa = 1.96 is β = 1.96² ≈ 3.84 here.
// Expected improvement below the incumbent f_best, EI = I·Φ(z) + σ·φ(z) with I = f_best − μ − ξ, z = I/σ, is
// maximised; far from the incumbent it underflows to 0 and stops ranking points, so log-EI (Ament et al. 2023)
// is computed in the log domain with a continued fraction for the Mills ratio and stays finite for any z.
import { deriveSeed } from "../data/seeded";
import { latinHypercube, sobol, SOBOL_MAX_DIMENSIONS } from "./sampling";
import { allConfigs, canonical, Config, configKey, encode, fromUnit, Space, spaceSize, unitWidth } from "./space";

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** Standard normal density φ(z). */
export function normalPdf(z: number): number {
  return Math.exp(-0.5 * z * z - LOG_SQRT_2PI);
}

/** erf(x) for |x| ≤ 3 by its Taylor series (terms fall fast enough there for full double precision). */
function erfSeries(x: number): number {
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (-x * x) / n;
    const next = term / (2 * n + 1);
    sum += next;
    if (Math.abs(next) < 1e-17 * Math.abs(sum)) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

/**
 * The continued fraction T(x) = 1/(x + 2/(x + 3/(x + ...))) for x ≥ 2, evaluated bottom-up. The Mills ratio
 * R(x) = Φ(−x)/φ(x) is 1/(x + T(x)).
 */
function millsTail(x: number): number {
  let t = 0;
  for (let k = 120; k >= 2; k--) t = k / (x + t);
  return 1 / (x + t);
}

/** Standard normal cumulative distribution Φ(z), accurate to a few ulps relative in both tails. */
export function normalCdf(z: number): number {
  if (Number.isNaN(z)) return NaN;
  if (z === 0) return 0.5; // also −0, which `z > 0` below would send back here forever
  if (z > 0) return 1 - normalCdf(-z);
  const x = -z;
  if (x >= 2) return normalPdf(x) / (x + millsTail(x));
  return 0.5 * (1 - erfSeries(x / Math.SQRT2));
}

/** LCB = μ − √β·σ (minimise it). */
export function lowerConfidenceBound(mean: number, sd: number, beta: number): number {
  checkBound(mean, sd, beta);
  return mean - Math.sqrt(beta) * sd;
}

/** UCB = μ + √β·σ (maximise it). */
export function upperConfidenceBound(mean: number, sd: number, beta: number): number {
  checkBound(mean, sd, beta);
  return mean + Math.sqrt(beta) * sd;
}

function checkBound(mean: number, sd: number, beta: number): void {
  if (typeof beta !== "number" || !Number.isFinite(beta) || beta < 0) throw new RangeError(`beta must be a finite number >= 0, got ${String(beta)}`);
  if (typeof mean !== "number" || !Number.isFinite(mean)) throw new RangeError(`confidence bound: mean must be finite, got ${String(mean)}`);
  if (typeof sd !== "number" || !Number.isFinite(sd) || sd < 0) throw new RangeError(`confidence bound: sd must be a finite number >= 0, got ${String(sd)}`);
}

/**
 * GP-UCB's exploration schedule β_t at step t ≥ 1 with confidence 1 − δ (Srinivas, Krause, Kakade & Seeger
 * 2010): for a finite set of `candidates` points, Theorem 1's β_t = 2 log(|D| t² π² / (6δ)); for a continuous
 * space of `dimensions` dimensions, the commonly used form 2 log(t^(d/2 + 2) π² / (3δ)) (Brochu, Cora & de
 * Freitas 2010). β_t grows like log t: the longer the search, the more it explores. Srinivas et al. scaled it
 * down by 5 in their experiments; `scale` does the same.
 */
export function gpUcbBeta(t: number, options: { dimensions?: number; candidates?: number; delta?: number; scale?: number }): number {
  if (!Number.isInteger(t) || t < 1) throw new RangeError(`gpUcbBeta: t must be an integer >= 1, got ${t}`);
  const delta = options.delta ?? 0.1;
  const scale = options.scale ?? 1;
  if (!(delta > 0 && delta < 1)) throw new RangeError(`gpUcbBeta: delta must be in (0, 1), got ${delta}`);
  if (!(scale > 0)) throw new RangeError(`gpUcbBeta: scale must be > 0, got ${scale}`);
  if (options.candidates !== undefined) {
    if (!Number.isInteger(options.candidates) || options.candidates < 1) throw new RangeError(`gpUcbBeta: candidates must be a positive integer, got ${options.candidates}`);
    return scale * 2 * Math.log((options.candidates * t * t * Math.PI * Math.PI) / (6 * delta));
  }
  const d = options.dimensions;
  if (d === undefined || !Number.isInteger(d) || d < 1) throw new RangeError(`gpUcbBeta: give dimensions (a positive integer) or candidates, got dimensions ${String(d)}`);
  return scale * 2 * Math.log((t ** (d / 2 + 2) * Math.PI * Math.PI) / (3 * delta));
}

/** h(z) = φ(z) + z·Φ(z) = E[max(z + N(0, 1), 0)]: the EI of a unit-σ prediction, so EI = σ·h(I/σ). */
function improvementFactor(z: number): number {
  if (z >= -2) return normalPdf(z) + z * normalCdf(z);
  const x = -z;
  const t = millsTail(x);
  return (normalPdf(z) * t) / (x + t); // φ(z)·(1 − x·R(x)) without the cancellation
}

function checkPrediction(mean: number, sd: number, best: number, xi: number): void {
  if (!Number.isFinite(mean)) throw new RangeError(`expected improvement: mean must be finite, got ${mean}`);
  if (!Number.isFinite(sd) || sd < 0) throw new RangeError(`expected improvement: sd must be a finite number >= 0, got ${sd}`);
  if (!Number.isFinite(best)) throw new RangeError(`expected improvement: best (the incumbent) must be finite, got ${best}`);
  if (!Number.isFinite(xi) || xi < 0) throw new RangeError(`expected improvement: xi must be a finite number >= 0, got ${xi}`);
}

/** EI below the incumbent `best` (minimisation), maximise it; ξ (xi) ≥ 0 asks for a margin of improvement. */
export function expectedImprovement(mean: number, sd: number, best: number, xi = 0): number {
  checkPrediction(mean, sd, best, xi);
  const improvement = best - mean - xi;
  if (sd === 0) return Math.max(improvement, 0);
  return sd * improvementFactor(improvement / sd);
}

/** log EI, finite wherever σ > 0 (−Infinity only when σ = 0 and there is no improvement). */
export function logExpectedImprovement(mean: number, sd: number, best: number, xi = 0): number {
  checkPrediction(mean, sd, best, xi);
  const improvement = best - mean - xi;
  if (sd === 0) return improvement > 0 ? Math.log(improvement) : -Infinity;
  const z = improvement / sd;
  if (z >= -2) return Math.log(sd) + Math.log(improvementFactor(z));
  const x = -z;
  const t = millsTail(x);
  return Math.log(sd) - 0.5 * z * z - LOG_SQRT_2PI + Math.log(t) - Math.log(x + t);
}

/** What minimiseAcquisition needs to know about the search. */
export interface AcquisitionSearch {
  space: Space;
  /** Scores a batch of canonical points (encode(config)); lower is better. */
  score: (points: number[][]) => number[];
  /** Configurations already evaluated (configKey), never proposed again. */
  evaluated: ReadonlySet<string>;
  /** Optional: whether a configuration may be proposed (SVM-CBO's estimated region). */
  allowed?: (point: number[], config: Config) => boolean;
  seed: number;
  /** Raw candidates scored before refinement (default 2048). */
  candidates?: number;
  /** Best candidates refined by a local search (default 5). */
  starts?: number;
}

export interface AcquisitionChoice {
  config: Config;
  /** Its canonical point. */
  point: number[];
  score: number;
  /** Candidates that were admissible (not evaluated, allowed). */
  admissible: number;
}

/**
 * The admissible configuration with the lowest score: Sobol candidates (rotated by the seed; LHS past
 * SOBOL_MAX_DIMENSIONS coordinates) or, when the space has no more configurations than candidates, every
 * configuration; then a compass search from the best `starts` of them (steps of ¼ down to 1/512 of the unit
 * range along each coordinate, never onto an evaluated or disallowed configuration). Returns null when no
 * admissible configuration was found.
 */
export function minimiseAcquisition(search: AcquisitionSearch): AcquisitionChoice | null {
  const { space } = search;
  const width = unitWidth(space);
  const count = search.candidates ?? 2048;
  const starts = search.starts ?? 5;
  const admissible = (config: Config, point: number[]): boolean =>
    !search.evaluated.has(configKey(space, config)) && (!search.allowed || search.allowed(point, config));
  const seen = new Set<string>();
  const pool: { u: number[]; config: Config; point: number[] }[] = [];
  const consider = (u: number[], config: Config): void => {
    const key = configKey(space, config);
    if (seen.has(key)) return;
    seen.add(key);
    const point = encode(space, config);
    if (admissible(config, point)) pool.push({ u, config, point });
  };
  const discrete = spaceSize(space) <= count;
  if (discrete) {
    for (const config of allConfigs(space)) consider(encode(space, config), config);
  } else {
    const raw = width <= SOBOL_MAX_DIMENSIONS ? sobol(count, width, { shiftSeed: deriveSeed(search.seed, "sobol") }) : latinHypercube(count, width, deriveSeed(search.seed, "lhs"));
    for (const u of raw) consider(u, fromUnit(space, u));
  }
  if (pool.length === 0) return null;
  const scores = search.score(pool.map((c) => c.point));
  const order = scores.map((s, i) => [s, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let best = { ...pool[order[0][1]], score: order[0][0] };
  if (!discrete) {
    for (const [s, i] of order.slice(0, starts)) {
      const refined = compassSearch(space, pool[i].u, s, search, admissible);
      if (refined.score < best.score) best = refined;
    }
  }
  return { config: best.config, point: best.point, score: best.score, admissible: pool.length };
}

/** Coordinate-wise pattern search in the unit cube on the (piecewise-constant) acquisition surface. */
function compassSearch(
  space: Space,
  start: number[],
  startScore: number,
  search: AcquisitionSearch,
  admissible: (config: Config, point: number[]) => boolean,
): { u: number[]; config: Config; point: number[]; score: number } {
  let u = [...start];
  let current = { u, config: fromUnit(space, u), point: canonical(space, u), score: startScore };
  for (let step = 0.25; step >= 1 / 512; step /= 2) {
    for (let improved = true; improved; ) {
      improved = false;
      const trials: { u: number[]; config: Config; point: number[] }[] = [];
      for (let j = 0; j < u.length; j++) {
        for (const sign of [-1, 1]) {
          const v = [...u];
          v[j] = Math.min(1, Math.max(0, v[j] + sign * step));
          if (v[j] === u[j]) continue;
          const config = fromUnit(space, v);
          const point = encode(space, config);
          if (admissible(config, point)) trials.push({ u: v, config, point });
        }
      }
      if (trials.length === 0) continue;
      const scores = search.score(trials.map((t) => t.point));
      let bestIndex = -1;
      scores.forEach((s, i) => {
        if (s < current.score && (bestIndex < 0 || s < scores[bestIndex])) bestIndex = i;
      });
      if (bestIndex >= 0) {
        u = trials[bestIndex].u;
        current = { ...trials[bestIndex], score: scores[bestIndex] };
        improved = true;
      }
    }
  }
  return current;
}
