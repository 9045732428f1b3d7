// Lesson 07 exercise 07.2: the gradual pruning schedule of Zhu & Gupta (2017), "To prune, or not to prune",
// as TF-MOT implements it (tfmot.sparsity.keras.PolynomialDecay): the target sparsity at each training step,
// and the steps at which the masks are recomputed.
//
// Replace each `notImplemented(...)` line with your code. Until you do, notebooks/07-pruning.ipynb prints
// "exercise 07.2 not implemented yet: showing the reference" and uses the course's version
// (course-lib/compress/prune/schedule.ts polynomialSparsity and isPruningStep, which the course's gradual
// pruner calls after every optimizer step). Check your work with `npm run grade -- --only 07.2`.
import { notImplemented } from "../../course-lib/grader/exercise";

export interface PolynomialSchedule {
  /** s_i in [0, 1): the target sparsity until beginStep. */
  initialSparsity: number;
  /** s_f in [0, 1), at least s_i: the target sparsity from endStep on. */
  finalSparsity: number;
  /** Integer ≥ 0: the step at which pruning starts. */
  beginStep: number;
  /** Integer > beginStep: the step at which the target reaches s_f. */
  endStep: number;
  /** Exponent of the decay, a number > 0; default 3 (Zhu & Gupta's cubic). */
  power?: number;
  /** Integer ≥ 1: the masks are recomputed every `frequency` steps from beginStep; default 100 (TF-MOT's). */
  frequency?: number;
}

/**
 * Exercise 07.2 (part 1): the target sparsity at training step `step`:
 *
 *   s(t) = s_f + (s_i − s_f) · (1 − p)^power,   p = clip((t − beginStep) / (endStep − beginStep), 0, 1)
 *
 * with power 3 when the schedule does not give one. The target starts at s_i, rises fast while the network
 * still has many redundant weights, and flattens as it nears s_f, when each weight removed costs more. Before
 * beginStep (p clipped to 0) it is s_i; from endStep on (p clipped to 1) it stays s_f.
 *
 *   { initialSparsity: 0, finalSparsity: 0.9, beginStep: 20, endStep: 120 }:
 *     step 0 or 20 → 0            step 45  → p = 0.25: 0.9 − 0.9 · 0.75³ = 0.5203125
 *     step 70      → 0.9 − 0.9 · 0.5³ = 0.7875        step 120 or 5000 → 0.9
 *   with power: 1 the rise is linear: step 70 → 0.45
 *
 * Throw a RangeError naming the value when:
 *   - initialSparsity or finalSparsity is not a number in [0, 1), or initialSparsity > finalSparsity;
 *   - beginStep is not an integer ≥ 0, or endStep is not an integer > beginStep;
 *   - power (when given) is not a number > 0, or frequency (when given) is not an integer ≥ 1;
 *   - step is not an integer ≥ 0.
 */
export function polynomialSparsity(step: number, schedule: PolynomialSchedule): number {
  notImplemented("07.2");
}

/**
 * Exercise 07.2 (part 2): whether the masks are recomputed at `step`: beginStep ≤ step ≤ endStep and
 * (step − beginStep) is a multiple of frequency (default 100). Counting from beginStep, not from 0: with
 * beginStep 20 and frequency 25 the pruning steps are 20, 45, 70, 95, 120, and none after endStep (the masks
 * then stay as they are, at s_f). Between pruning steps the masks are only re-applied, so weights that
 * training moves away from zero stay zero.
 *
 *   { initialSparsity: 0, finalSparsity: 0.9, beginStep: 20, endStep: 120 } (frequency 100):
 *     true at steps 20 and 120; false at 0, 19, 21, 100 and 220
 *
 * Validate the schedule and the step as polynomialSparsity does.
 */
export function isPruningStep(step: number, schedule: PolynomialSchedule): boolean {
  notImplemented("07.2");
}
