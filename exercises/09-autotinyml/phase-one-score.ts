// Lesson 09 exercise 09.4: the score by which the first phase of SVM-CBO (SVM-based constrained Bayesian
// optimisation; Candelieri 2019, Perego, Candelieri, Archetti & Pau 2020) picks the next configuration to
// evaluate while it is still learning where the feasible region (e.g. "fits in 256 kB of RAM") lies.
//
// Replace the `notImplemented(...)` line with your code. Until you do, notebooks/09-autotinyml.ipynb prints
// "exercise 09.4 not implemented yet: showing the reference" and uses the course's version
// (course-lib/search/searchers.ts coverage and phaseOneScore, which the "svm-cbo" Searcher minimises in its
// phase 1). Check your work with `npm run grade -- --only 09.4`.
import { notImplemented } from "../../course-lib/grader/exercise";

export interface PhaseOneOptions {
  /** Width s > 0 of the coverage bumps, in the unit-cube coordinates of the points (the searcher's default 0.1). */
  width: number;
  /** Weight w ≥ 0 of the coverage term against |h(x)| (the searcher's default 1). */
  weight: number;
}

/**
 * Exercise 09.4: phase 1's score of a candidate point x, minimised (the next point is the lowest-scoring one):
 *
 *   score(x) = |h(x)| + w · Σᵢ exp(−‖x − xᵢ‖² / (2s²))
 *
 * - h(x) = `decisionValue`: the SVM classifier's decision value at x (positive on the side it believes
 *   feasible, negative on the other, 0 on its estimated boundary). |h| is small near the boundary, where one
 *   more evaluation teaches the classifier most; the sign does not matter.
 * - the sum, the "coverage", runs over the points xᵢ already tried (`tried`), with ‖·‖² the squared Euclidean
 *   distance. Each tried point adds a bump of height 1 and width s, so the coverage is roughly the number of
 *   tried points within s of x: small far from everything tried, where a feasible piece could still hide.
 * With no tried points the coverage is 0 and the score is |h(x)|.
 *
 *   x = [0.5, 0.5], h = 0.3, s = 0.1, w = 1:
 *     tried [[0.5, 0.5]]: ‖x − x₁‖² = 0 → coverage 1            → score 0.3 + 1 = 1.3
 *     tried [[0.6, 0.5]]: ‖·‖² = 0.01, /(2·0.01) = 0.5 → e^−0.5  → score 0.3 + 0.606531 = 0.906531
 *     tried [] → 0.3;   h = −0.3 gives the same scores
 *   x = [0.5, 0.5], h = −0.2, s = 0.1, w = 0.5, tried [[0.5, 0.5], [0.6, 0.5], [0.5, 0.7]]:
 *     ‖·‖² = 0, 0.01, 0.04 → 1 + e^−0.5 + e^−2 ≈ 1.741866 → score 0.2 + 0.5·1.741866 ≈ 1.070933
 *
 * Throw a RangeError naming the values when:
 *   - width is not a positive finite number, or weight is not a finite number ≥ 0;
 *   - a tried point does not have as many coordinates as the point (name both lengths);
 *   - decisionValue is not a finite number.
 */
export function phaseOneScore(point: number[], tried: number[][], decisionValue: number, options: PhaseOneOptions): number {
  notImplemented("09.4");
}
