// Lesson 04 exercises 04.1 and 04.2: model solutions (see exercises/04-hardware-aware-scaling/inverse.ts).

export type BudgetName = "flash" | "ram" | "macs";

export interface CostPoint {
  flashBytes: number;
  ramBytes: number;
  macs: number;
}

export interface AlphaSearchOptions {
  lo?: number;
  hi?: number;
  tolerance?: number;
}

export interface AlphaSearchResult {
  alpha: number;
  cost: CostPoint;
  binding: BudgetName[];
}

const ENTRIES: [BudgetName, keyof CostPoint][] = [["flash", "flashBytes"], ["ram", "ramBytes"], ["macs", "macs"]];

function checkBudget(budget: CostPoint): void {
  for (const [, key] of ENTRIES) {
    const v = budget?.[key];
    if (typeof v !== "number" || Number.isNaN(v) || v <= 0) throw new RangeError(`budget.${key} must be a number > 0 (Infinity for no limit), got ${String(v)}`);
  }
}

function broken(cost: CostPoint, budget: CostPoint): BudgetName[] {
  return ENTRIES.filter(([, key]) => cost[key] > budget[key]).map(([name]) => name);
}

/** Exercise 04.2 */
export function budgetUtilisation(cost: CostPoint, budget: CostPoint): Record<BudgetName, number> {
  checkBudget(budget);
  const result = { flash: 0, ram: 0, macs: 0 };
  for (const [name, key] of ENTRIES) {
    const used = cost?.[key];
    if (typeof used !== "number" || Number.isNaN(used) || used < 0) throw new RangeError(`cost.${key} must be a number >= 0, got ${String(used)}`);
    result[name] = budget[key] === Infinity ? 0 : used / budget[key];
  }
  return result;
}

/** Exercise 04.1 */
export function largestAlpha(costAt: (alpha: number) => CostPoint, budget: CostPoint, options: AlphaSearchOptions = {}): AlphaSearchResult {
  checkBudget(budget);
  const lo = options.lo ?? 0.05;
  const hi = options.hi ?? 4;
  const tolerance = options.tolerance ?? 0.001;
  if (!(lo > 0)) throw new RangeError(`lo must be > 0, got ${lo}`);
  if (!(hi > lo)) throw new RangeError(`hi must be greater than lo (${lo}), got ${hi}`);
  if (!(tolerance > 0)) throw new RangeError(`tolerance must be > 0, got ${tolerance}`);

  const loCost = costAt(lo);
  const loBroken = broken(loCost, budget);
  if (loBroken.length > 0) {
    const parts = loBroken.map((name) => {
      const key = ENTRIES.find(([n]) => n === name)![1];
      return `the ${name} budget ${budget[key]} (alpha ${lo} needs ${loCost[key]})`;
    });
    throw new RangeError(`impossible budget: even alpha ${lo} breaks ${parts.join(" and ")}`);
  }
  const hiCost = costAt(hi);
  let binding = broken(hiCost, budget);
  if (binding.length === 0) return { alpha: hi, cost: hiCost, binding };

  let good = lo;
  let goodCost = loCost;
  let bad = hi;
  while (bad - good > tolerance) {
    const mid = (good + bad) / 2;
    const cost = costAt(mid);
    const b = broken(cost, budget);
    if (b.length === 0) {
      good = mid;
      goodCost = cost;
    } else {
      bad = mid;
      binding = b;
    }
  }
  return { alpha: good, cost: goodCost, binding };
}
