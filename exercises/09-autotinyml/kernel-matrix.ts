// Lesson 09 exercise 09.1: the covariance (kernel) matrix of a Gaussian process, with the RBF and Matérn 5/2
// kernels and one length scale per input dimension (ARD, automatic relevance determination).
//
// Replace the `notImplemented(...)` line with your code. Until you do, notebooks/09-autotinyml.ipynb prints
// "exercise 09.1 not implemented yet: showing the reference" and uses the course's version
// (course-lib/search/gp.ts kernelMatrix, which the course's Bayesian-optimisation searchers fit their GP with).
// Check your work with `npm run grade -- --only 09.1`.
import { notImplemented } from "../../course-lib/grader/exercise";

export type KernelName = "rbf" | "matern52";

export interface KernelParams {
  /** "rbf" (squared exponential) or "matern52" (Matérn ν = 5/2). */
  kernel: KernelName;
  /** Signal variance s²: the kernel's value at distance 0 (a variance, not a standard deviation). */
  amplitude: number;
  /** One length scale l_j > 0 per input dimension (ARD). */
  lengthScales: number[];
}

/**
 * Exercise 09.1: K[i][j] = k(X[i], Z[j]) for every row of X and every row of Z (an n × m matrix for n rows of
 * X and m rows of Z; m = 0 gives n empty rows).
 *
 * Both kernels depend on the ARD-scaled squared distance between two points x and z of d coordinates:
 *
 *   r² = Σ_j (x_j − z_j)² / l_j²                     (l_j = lengthScales[j]; r = √r²)
 *
 *   RBF:          k = s² · exp(−r² / 2)                                       (GPML eq. 4.9)
 *   Matérn 5/2:   k = s² · (1 + √5·r + 5r²/3) · exp(−√5·r)                     (GPML eq. 4.17)
 *
 * with s² = amplitude. A long length scale makes a dimension matter little (its differences are divided by
 * a large l_j); a short one makes the function vary fast along it. Matérn 5/2 is rougher than the RBF (twice
 * differentiable instead of infinitely), which suits objectives such as accuracy over hyperparameters better.
 *
 *   RBF, amplitude 2, lengthScales [1], X = [[0], [1]], Z = [[0], [0.5], [2]]:
 *     r² = [[0, 0.25, 4],
 *           [1, 0.25, 1]]
 *     K  = [[2,          2·e^−0.125, 2·e^−2    ],     ≈ [[2,       1.764994, 0.270671],
 *           [2·e^−0.5,   2·e^−0.125, 2·e^−0.5  ]]        [1.213061, 1.764994, 1.213061]]
 *   Matérn 5/2, amplitude 1, lengthScales [1]: r = 0 → 1; r = 1 → (1 + √5 + 5/3)·e^−√5 ≈ 0.523994;
 *     r = 2 → (1 + 2√5 + 20/3)·e^(−2√5) ≈ 0.138660
 *   ARD, lengthScales [0.5, 2], x = [0, 0], z = [0.5, 2]: r² = (0.5/0.5)² + (2/2)² = 2
 *     → RBF s²·e^−1;  Matérn 5/2 r = √2: s²·(1 + √10 + 10/3)·e^−√10 ≈ 0.317283·s²
 *
 * Throw a RangeError naming the values when:
 *   - X has no rows, a row of X has a different number of coordinates than X[0] (d), or a row of Z does not
 *     have d coordinates (name both lengths, e.g. "X[1] has 3 coordinates, expected 2");
 *   - a coordinate is not a finite number (name it);
 *   - lengthScales does not have d entries (name both numbers);
 *   - amplitude or a length scale is not a positive finite number (name the value);
 *   - kernel is neither "rbf" nor "matern52" (name it).
 */
export function kernelMatrix(X: number[][], Z: number[][], params: KernelParams): number[][] {
  notImplemented("09.1");
}
