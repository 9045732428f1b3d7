// The inverse problem of hardware-aware scaling, one knob at a time, for lesson 04
// (notebooks/04-hardware-aware-scaling.ipynb and exercise 04.1/04.2): given a cost function of the width
// multiplier alpha (the other hyperparameters held fixed) and a budget, find the largest alpha whose
// network fits. Costs of PhiNet and XiNet never decrease when alpha grows (every channel count is
// int(c·alpha)), so bisection works: keep an alpha that fits and one that does not, halve the gap until it
// is below the tolerance. scale.ts's scaleToBoard searches a coarse grid over every knob instead; this
// finds alpha to any precision for one shape (beta, t0 or gamma) in ~log2(range / tolerance) evaluations.
// These are the reference answers of the lesson's exercises.

export type BudgetName = "flash" | "ram" | "macs";

/** What a network needs (or a device offers): flash bytes, RAM bytes, MACs per inference. */
export interface CostPoint {
  flashBytes: number;
  ramBytes: number;
  macs: number;
}

export interface AlphaSearchOptions {
  /** Smallest alpha tried (default 0.05). */
  lo?: number;
  /** Largest alpha tried (default 4). */
  hi?: number;
  /** Stop when the gap between a fitting and a non-fitting alpha is at most this (default 0.001). */
  tolerance?: number;
}

export interface AlphaSearchResult {
  /** The largest alpha found that fits (hi itself when hi fits). */
  alpha: number;
  /** Its cost. */
  cost: CostPoint;
  /** Budgets broken just above alpha (empty when alpha is hi). */
  binding: BudgetName[];
}

const KEYS: [BudgetName, keyof CostPoint][] = [["flash", "flashBytes"], ["ram", "ramBytes"], ["macs", "macs"]];

function checkBudget(budget: CostPoint, fn: string): void {
  if (!budget || typeof budget !== "object") throw new RangeError(`${fn}: budget must be { flashBytes, ramBytes, macs }, got ${String(budget)}`);
  for (const [, key] of KEYS) {
    const v = budget[key];
    if (typeof v !== "number" || Number.isNaN(v) || v <= 0) {
      throw new RangeError(`${fn}: budget.${key} must be a number > 0 (Infinity for no limit), got ${String(v)}`);
    }
  }
}

/** The budgets `cost` breaks, in the order flash, ram, macs. */
export function brokenBudgets(cost: CostPoint, budget: CostPoint): BudgetName[] {
  return KEYS.filter(([, key]) => cost[key] > budget[key]).map(([name]) => name);
}

/** Fraction of each budget a cost uses (0 for an unlimited budget). */
export function budgetUtilisation(cost: CostPoint, budget: CostPoint): Record<BudgetName, number> {
  checkBudget(budget, "budgetUtilisation");
  const out = {} as Record<BudgetName, number>;
  for (const [name, key] of KEYS) {
    const used = cost[key];
    if (typeof used !== "number" || Number.isNaN(used) || used < 0) throw new RangeError(`budgetUtilisation: cost.${key} must be a number >= 0, got ${String(used)}`);
    out[name] = budget[key] === Infinity ? 0 : used / budget[key];
  }
  return out;
}

/** Largest alpha in [lo, hi] whose cost fits the budget, by bisection (costs must not decrease with alpha). */
export function largestAlpha(costAt: (alpha: number) => CostPoint, budget: CostPoint, options: AlphaSearchOptions = {}): AlphaSearchResult {
  const fn = "largestAlpha";
  if (typeof costAt !== "function") throw new TypeError(`${fn}: costAt must be a function alpha => { flashBytes, ramBytes, macs }`);
  checkBudget(budget, fn);
  const lo = options.lo ?? 0.05;
  const hi = options.hi ?? 4;
  const tolerance = options.tolerance ?? 0.001;
  if (!(lo > 0) || !(hi > lo)) throw new RangeError(`${fn}: expected 0 < lo < hi, got lo ${lo} and hi ${hi}`);
  if (!(tolerance > 0)) throw new RangeError(`${fn}: tolerance must be > 0, got ${tolerance}`);

  const loCost = costAt(lo);
  const loBroken = brokenBudgets(loCost, budget);
  if (loBroken.length > 0) {
    const detail = loBroken.map((name) => {
      const key = KEYS.find(([n]) => n === name)![1];
      return `${name} budget ${budget[key]} (alpha ${lo} needs ${loCost[key]}, ${loCost[key] - budget[key]} over)`;
    });
    throw new RangeError(`${fn}: impossible budget: even the smallest alpha breaks the ${detail.join(" and the ")}`);
  }
  const hiCost = costAt(hi);
  let hiBroken = brokenBudgets(hiCost, budget);
  if (hiBroken.length === 0) return { alpha: hi, cost: hiCost, binding: [] };

  let good = lo;
  let goodCost = loCost;
  let bad = hi;
  while (bad - good > tolerance) {
    const mid = (good + bad) / 2;
    const c = costAt(mid);
    const b = brokenBudgets(c, budget);
    if (b.length === 0) {
      good = mid;
      goodCost = c;
    } else {
      bad = mid;
      hiBroken = b;
    }
  }
  return { alpha: good, cost: goodCost, binding: hiBroken };
}
