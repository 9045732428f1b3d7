// Lesson 07 exercise 07.3: rank a conv layer's filters by their L1 norm and choose the filters that structured
// pruning keeps (Li et al., "Pruning filters for efficient ConvNets", ICLR 2017).
//
// Replace the `notImplemented(...)` line with your code. Until you do, notebooks/07-pruning.ipynb prints
// "exercise 07.3 not implemented yet: showing the reference" and uses the course's version
// (course-lib/compress/prune/criteria.ts: filterScores(model, group, "l1") and channelsToKeep, which
// planChannelPruning calls before the model is rebuilt with only the kept filters).
// Check your work with `npm run grade -- --only 07.3`.
import * as tf from "@tensorflow/tfjs";
import { notImplemented } from "../../course-lib/grader/exercise";

/**
 * Exercise 07.3: L1 score of each output filter of a conv kernel, and the filters kept at `ratio`.
 *
 * `kernel` is in tfjs's layout [kh, kw, cin, cout]: output filter o is kernel[:, :, :, o], the kh·kw·cin
 * weights that make output channel o (the LAST axis; PyTorch stores the same weight as [cout, cin, kh, kw],
 * filters first).
 *
 * TODO:
 * - scores[o] = Σ |kernel[i, j, c, o]| over i, j, c: one number per output filter, cout of them.
 * - keep: the max(1, Math.round(cout · (1 − ratio))) filters with the HIGHEST scores, listed in ascending
 *   filter order (the order the rebuilt layer stores them in). At least one filter always stays.
 * - Ties: of two filters with equal scores, the one with the lower index is kept.
 * - `ratio` (the fraction of filters to remove) must be a number in [0, 1); throw a RangeError naming the
 *   value otherwise (1 would remove every filter; NaN, negative or > 1 mean nothing).
 *
 *   kernel [1, 1, 2, 4] with kernel[0][0] = [[1, -2, 0, 0.5],
 *                                            [1,  1, 0, -0.5]]
 *   scores = [2, 3, 0, 1]
 *   ratio 0.5  → keep round(4 · 0.5) = 2 filters: the scores 3 and 2 → keep [0, 1]
 *   ratio 0.25 → keep 3: [0, 1, 3]
 *   ratio 0.9  → round(0.4) = 0, at least one: keep [1]
 *   ratio 0    → keep [0, 1, 2, 3]
 *
 * Read the kernel's values with kernel.dataSync() (row-major: the last axis varies fastest, so element k
 * belongs to filter k % cout) or with tf ops; return plain numbers.
 */
export function l1FilterRanking(kernel: tf.Tensor4D, ratio: number): { scores: number[]; keep: number[] } {
  notImplemented("07.3");
}
