// Lesson 09 exercise 09.3: two acquisition functions of Bayesian optimisation, for minimisation (of a loss,
// a latency, an error): the lower confidence bound and the expected improvement.
//
// Replace each `notImplemented(...)` line with your code. Until you do, notebooks/09-autotinyml.ipynb prints
// "exercise 09.3 not implemented yet: showing the reference" and uses the course's version
// (course-lib/search/acquisition.ts lowerConfidenceBound and expectedImprovement, which the course's BO
// searchers score their candidate configurations with). Check your work with `npm run grade -- --only 09.3`.
import { notImplemented } from "../../course-lib/grader/exercise";

/**
 * Exercise 09.3 (part 1): the lower confidence bound at a point where the GP predicts mean μ and standard
 * deviation σ (the square root of exercise 09.2's variance):
 *
 *   LCB = μ − √β · σ          (minimised: the next point is the one with the lowest LCB)
 *
 * "Optimism under uncertainty": a point is scored as good as it could plausibly be. β ≥ 0 sets how much
 * uncertainty counts: β = 0 is pure exploitation (the lowest mean), a large β explores. Note the √: this is
 * the convention of GP-UCB (Srinivas et al. 2010) and BoTorch. scikit-optimize's kappa multiplies σ directly,
 * so skopt's kappa = 1.96 is β = 1.96² ≈ 3.84 here.
 *
 *   μ 1, σ 0.5, β 4     → 1 − 2·0.5 = 0
 *   μ 0.3, σ 0.1, β 9   → 0.3 − 3·0.1 = 0
 *   μ 2, σ 0.7, β 0     → 2 (the mean)
 *   μ 0, σ 1, β 3.8416  → −1.96 (skopt's kappa 1.96)
 *
 * Throw a RangeError naming the value when mean is not a finite number, sd is not a finite number ≥ 0, or
 * beta is not a finite number ≥ 0.
 */
export function lowerConfidenceBound(mean: number, sd: number, beta: number): number {
  notImplemented("09.3");
}

/**
 * Exercise 09.3 (part 2): the expected improvement below the incumbent `best` (the lowest objective value
 * found so far), where the GP predicts f(x) ~ N(μ, σ²):
 *
 *   EI = E[max(best − ξ − f(x), 0)] = I · Φ(z) + σ · φ(z),     I = best − μ − ξ,  z = I / σ
 *
 * (maximised: the next point is the one with the highest EI). Φ and φ are the standard normal cumulative
 * distribution and density: φ(z) = exp(−z²/2) / √(2π). JavaScript has no erf, and textbook approximations of
 * Φ (Abramowitz & Stegun 7.1.26) are only good to about 1e-7, coarser than the tests' tolerance (1e-9), so
 * import the course's accurate ones:
 *   import { normalCdf, normalPdf } from "../../course-lib/search/acquisition";
 * ξ = xi ≥ 0 (default 0) asks for an improvement of at least ξ, which pushes the search to explore. When
 * σ = 0 the prediction is certain and EI = max(I, 0) (z would be ±∞ or 0/0). EI is never negative.
 *
 *   μ = best, σ 0.3, ξ 0   → I = 0, z = 0: EI = 0.3·φ(0) = 0.3/√(2π) ≈ 0.119683
 *   μ 0, σ 1, best 1       → z = 1: Φ(1) + φ(1) ≈ 0.841345 + 0.241971 = 1.083315
 *   μ 1, σ 1, best 0       → z = −1: −Φ(−1) + φ(−1) ≈ −0.158655 + 0.241971 = 0.083315
 *   μ 0, σ 0.01, best 1    → z = 100: EI ≈ I = 1
 *   σ 0: μ 0.2, best 0.5 → 0.3;  μ 0.7, best 0.5 → 0;  μ 0.2, best 0.5, ξ 0.1 → 0.2
 *
 * Throw a RangeError naming the value when mean or best is not a finite number, sd is not a finite
 * number ≥ 0, or xi is not a finite number ≥ 0.
 */
export function expectedImprovement(mean: number, sd: number, best: number, xi = 0): number {
  notImplemented("09.3");
}
