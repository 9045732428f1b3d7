// Lesson 04 exercises 04.1 and 04.2: invert a network's cost for a device's budget.
//
// Replace each `notImplemented(...)` line with your code. Until you do,
// notebooks/04-hardware-aware-scaling.ipynb prints "exercise 04.1 not implemented yet: showing the
// reference" and uses the course's version (course-lib/scaling/invert.ts). Check your work with
// `npm run grade -- --only 04`.
//
import { notImplemented } from "../../course-lib/grader/exercise";

export type BudgetName = "flash" | "ram" | "macs";

/** What a network needs, or what a device offers: flash bytes, RAM bytes, MACs per inference. */
export interface CostPoint {
  flashBytes: number;
  ramBytes: number;
  macs: number;
}

/**
 * Exercise 04.2: how much of each budget does a network use?
 *
 * TODO: return { flash, ram, macs }, each the fraction cost / budget (0.5 = half the budget, above 1 = does
 * not fit). A budget of Infinity means "no limit": report 0 for it.
 *
 *   budgetUtilisation({ flashBytes: 512, ramBytes: 300, macs: 5e6 }, { flashBytes: 1024, ramBytes: 200, macs: Infinity })
 *     → { flash: 0.5, ram: 1.5, macs: 0 }
 *
 * Throw a RangeError naming the entry and its value when a budget entry is not a number > 0 (NaN, 0,
 * negative), or a cost entry is negative or NaN.
 */
export function budgetUtilisation(cost: CostPoint, budget: CostPoint): Record<BudgetName, number> {
  notImplemented("04.2");
}

export interface AlphaSearchOptions {
  /** Smallest alpha to consider (default 0.05). */
  lo?: number;
  /** Largest alpha to consider (default 4). */
  hi?: number;
  /** Precision of the answer (default 0.001). */
  tolerance?: number;
}

export interface AlphaSearchResult {
  /** The largest alpha found whose cost fits every budget. */
  alpha: number;
  /** costAt(alpha). */
  cost: CostPoint;
  /** The budgets that a slightly larger alpha breaks (empty when alpha is hi: everything up to hi fits). */
  binding: BudgetName[];
}

/**
 * Exercise 04.1: the largest width multiplier alpha that fits a budget, by bisection.
 *
 * `costAt(alpha)` gives the cost of the network with width alpha (its other hyperparameters fixed), e.g.
 *   alpha => { flashBytes: c.flash.int8, ramBytes: c.peakRam.int8, macs: c.macs } with c = phinetCost({ ..., alpha })
 * Costs never decrease when alpha grows. A cost fits when each of flashBytes, ramBytes and macs is <= the
 * budget's (a budget entry may be Infinity).
 *
 * TODO:
 *   1. If costAt(lo) does not fit, throw a RangeError saying the budget is impossible. The message must name
 *      each budget it breaks with the word "flash", "ram" or "macs" (any case), the budget's value and
 *      what alpha lo needs, and must not name the budgets that costAt(lo) fits (the tests check both:
 *      the reader should see at once which budget to relax).
 *   2. If costAt(hi) fits, return alpha = hi (binding: []).
 *   3. Otherwise keep `good` (fits, starts at lo) and `bad` (does not fit, starts at hi); while
 *      bad - good > tolerance, try the midpoint and move good or bad to it. Return alpha = good, its cost,
 *      and as `binding` the budgets broken at the last `bad` you tried (they are broken at good + tolerance too).
 *
 * The tests count your calls of costAt and allow at most 40 per search. Bisection needs about
 * log2((hi - lo) / tolerance) ≈ 12 of them with the defaults, plus costAt(lo) and costAt(hi); a fixed 20
 * halvings also stays within the limit; a scan in steps of `tolerance` takes thousands.
 *
 * Throw a RangeError naming the bad value when lo <= 0, hi <= lo or tolerance <= 0.
 */
export function largestAlpha(costAt: (alpha: number) => CostPoint, budget: CostPoint, options: AlphaSearchOptions = {}): AlphaSearchResult {
  notImplemented("04.1");
}
