// Lesson 07 exercise 07.1: the mask of unstructured magnitude pruning (Han et al. 2015) at a given sparsity,
// with an exact count and a stated tie rule.
//
// Replace the `notImplemented(...)` line with your code. Until you do, notebooks/07-pruning.ipynb prints
// "exercise 07.1 not implemented yet: showing the reference" and uses the course's version
// (course-lib/compress/prune/magnitude.ts magnitudeMask with its default tie rule "exact", which the course's
// pruner applies to every pruned kernel). Check your work with `npm run grade -- --only 07.1`.
import { notImplemented } from "../../course-lib/grader/exercise";

/**
 * Exercise 07.1: which weights survive magnitude pruning at `sparsity` (1 = keep, 0 = prune).
 *
 * TODO:
 * - Prune exactly Math.round(sparsity · N) of the N weights (JS rounding: halves go up, 2.5 → 3), but always
 *   keep at least one: with N weights at most N − 1 are pruned (a layer with no weights left outputs nothing
 *   but its bias).
 * - The pruned weights are those of smallest MAGNITUDE |w|: −3 is a large weight, 0.1 a small one.
 * - Ties: among weights of equal |w|, the one with the LOWER index is pruned first. This makes the mask
 *   deterministic and the count exact even when many weights are equal, which is the usual case after int8
 *   quantization (a layer then holds at most 256 distinct values). Sorting the indices by (|w|, index) and
 *   pruning the first ones does it.
 * - Return a new Uint8Array of N entries, each 0 or 1; do not modify `values`.
 * - Throw a RangeError naming the value when `sparsity` is not a number in [0, 1) (1 would prune every weight;
 *   negative, NaN or a string such as "0.5" mean nothing), and a RangeError when `values` is empty.
 *
 *   values [3, -1, 1, 0, -3, 1, 2, -1, 0, 1] (N = 10), sparsity 0.5 → prune round(5) = 5 weights:
 *     |w| = [3, 1, 1, 0, 3, 1, 2, 1, 0, 1]: the two 0s (indices 3, 8), then three of the five |w| = 1
 *     (indices 1, 2, 5, 7, 9), the lower indices first: 1, 2, 5
 *     → mask [1, 0, 0, 0, 1, 0, 1, 1, 0, 1]   (5 kept: 3, −3, 2 and the 1s at indices 7 and 9)
 *   Libraries state other tie rules, and on this array they give other sparsities:
 *     TF-MOT (tfmot.sparsity.keras) keeps every |w| ≥ the threshold, the 5th largest |w| = 1: 8 kept, 20 %;
 *     MIT 6.5940 lab 1 prunes every |w| ≤ the threshold, the 5th smallest |w| = 1: 3 kept, 70 %.
 *   values [0.5, -2, 1], sparsity 0.9   → round(2.7) = 3, at most 2 → mask [0, 1, 0]
 *   values [4, -1, 2, 0.5], sparsity 0.375 → round(1.5) = 2 → mask [1, 0, 1, 0]
 *   sparsity 0 → all ones
 *
 * `values` may be any array-like of numbers: a number[], a Float32Array (a kernel's dataSync()), an Int8Array.
 */
export function magnitudeMask(values: ArrayLike<number>, sparsity: number): Uint8Array {
  notImplemented("07.1");
}
