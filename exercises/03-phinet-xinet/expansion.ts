// Lesson 03 exercise 03.1: PhiNet's expansion-factor schedule.
//
// Replace each `notImplemented(...)` line with your code. Until you do, notebooks/03-phinet-xinet.ipynb
// prints "exercise 03.1 not implemented yet: showing the reference" and uses the course's version
// (course-lib/nets/phinet-block.ts). Check your work with `npm run grade -- --only 03.1`.
//
import { notImplemented } from "../../course-lib/grader/exercise";

/**
 * Exercise 03.1a: the expansion factor of every PhiNet block.
 *
 * A PhiNet with `numLayers` = N has N blocks with an expansion (micromind numbers them b = 1..N). Block b
 * widens its input by the factor
 *
 *     t_b = t0 * beta * b / N + t0 * (N - b) / N
 *
 * a straight line from t0 (near the input) to t0·beta (the last block). beta < 1 makes the deep blocks,
 * which have many channels, expand less.
 *
 * TODO: return [t_1, t_2, ..., t_N] (length N). Any algebraically equal formula is fine: the tests compare
 * your values with a tolerance of 1e-9. (The course's network builder computes t in exactly the order
 * written above, as micromind does, because the network truncates t·cIn to an integer: another order of
 * the same operations can land on 47.99999 instead of 48 and lose a channel.)
 *
 *   expansionSchedule(6, 1, 3)    → [6, 6, 6]
 *   expansionSchedule(6, 0.5, 4)  → [5.25, 4.5, 3.75, 3]
 *
 * Throw a RangeError naming the bad value when t0 < 1, beta <= 0 (or either is not a finite number), or
 * numLayers is not an integer >= 1.
 */
export function expansionSchedule(t0: number, beta: number, numLayers: number): number[] {
  notImplemented("03.1");
}

/**
 * Exercise 03.1b: how many channels the 1×1 expansion produces.
 *
 * TODO: return max(1, int(expansion * cIn)), where int() drops the fraction (Math.trunc), as micromind does.
 *
 *   expandedChannels(4, 16)    → 64
 *   expandedChannels(3.75, 10) → 37
 *   expandedChannels(0.5, 1)   → 1      (never 0 channels)
 *
 * Throw a RangeError naming the bad value when expansion is not a number > 0 or cIn is not an integer >= 1.
 */
export function expandedChannels(expansion: number, cIn: number): number {
  notImplemented("03.1");
}
