// Graded tests for lesson 04's inverse solve (exercises/04-hardware-aware-scaling/inverse.ts).
// Run them with `npm run grade -- --only 04`. The tests pick boards from the catalogue and budgets, cost
// PhiNets and XiNets with the course's closed forms (course-lib/nets/*-cost.ts), and check that your alpha
// fits (every budget), is maximal (alpha + tolerance breaks one), was found by bisection (at most
// MAX_COST_CALLS calls of the cost function, the limit the stub states), and that an impossible budget is
// reported by name, naming only the budgets it breaks (as the stub states). The "rejects ..." tests also
// make valid calls (validCall): a function that throws on every input earns nothing for rejecting.
import { expect } from "vitest";
import { errorFrom, graded, validCall } from "../../course-lib/grader/graded";
import { getBoard } from "../../course-lib/boards/catalogue";
import { phinetCost } from "../../course-lib/nets/phinet-cost";
import { xinetCost } from "../../course-lib/nets/xinet-cost";
import type { NetCost } from "../../course-lib/nets/ledger";
import { budgetUtilisation, largestAlpha, type AlphaSearchOptions, type CostPoint } from "@exercise/04-hardware-aware-scaling/inverse";

const point = (c: NetCost): CostPoint => ({ flashBytes: c.flash.int8, ramBytes: c.peakRam.int8, macs: c.macs });
const fitsIn = (c: CostPoint, b: CostPoint): boolean => c.flashBytes <= b.flashBytes && c.ramBytes <= b.ramBytes && c.macs <= b.macs;
const brokenIn = (c: CostPoint, b: CostPoint): string[] =>
  [["flash", c.flashBytes > b.flashBytes], ["ram", c.ramBytes > b.ramBytes], ["macs", c.macs > b.macs]].filter(([, x]) => x).map(([n]) => n as string);

/** Calls of costAt one search may make, as exercises/04-hardware-aware-scaling/inverse.ts states. */
const MAX_COST_CALLS = 40;

/** Wraps a cost function to count its calls. */
function counted(costAt: (alpha: number) => CostPoint): { costAt: (alpha: number) => CostPoint; calls: () => number } {
  let n = 0;
  return { costAt: (a) => { n++; return costAt(a); }, calls: () => n };
}

interface Case { name: string; costAt: (alpha: number) => CostPoint; budget: CostPoint; options: AlphaSearchOptions }

function boardBudget(id: string, macs: number): CostPoint {
  const b = getBoard(id);
  return { flashBytes: b.flashBytes, ramBytes: b.ramBytes, macs };
}

const phi = (inputShape: number[], beta: number, t0: number, extra: Record<string, unknown> = {}) => (alpha: number) =>
  point(phinetCost({ inputShape, alpha, beta, t0, includeTop: true, numClasses: 10, ...extra }));
const xi = (inputShape: number[], gamma: number) => (alpha: number) => point(xinetCost({ inputShape, alpha, gamma, includeTop: true, numClasses: 10 }));

const CASES: Case[] = [
  { name: "PhiNet beta 0.75 t0 5 on stm32l476rg, 3x96x96, 20 M MACs", costAt: phi([3, 96, 96], 0.75, 5), budget: boardBudget("stm32l476rg", 20e6), options: {} },
  { name: "PhiNet beta 0.66 t0 4 at the lecture's 1 MB / 63 M MACs, 3x160x160", costAt: phi([3, 160, 160], 0.66, 4), budget: { flashBytes: 1024 * 1024, ramBytes: Infinity, macs: 63e6 }, options: { lo: 0.1, hi: 3, tolerance: 0.0005 } },
  { name: "PhiNet beta 1 t0 6 on stm32f405rg, 1x64x64, no MAC limit", costAt: phi([1, 64, 64], 1, 6), budget: boardBudget("stm32f405rg", Infinity), options: { hi: 6 } },
  { name: "XiNet gamma 4 on nrf52840, 3x96x96, 30 M MACs", costAt: xi([3, 96, 96], 4), budget: boardBudget("nrf52840", 30e6), options: { lo: 0.3, hi: 5, tolerance: 0.002 } },
  { name: "XiNet gamma 2 on stm32f303k8, 1x32x32", costAt: xi([1, 32, 32], 2), budget: boardBudget("stm32f303k8", Infinity), options: { lo: 0.25, hi: 3, tolerance: 0.001 } },
];

graded(
  { id: "04.1", points: 4, feedback: "The alpha you return must fit every budget (flash, RAM and MACs <= budget) and be maximal: costAt(alpha + tolerance) must break at least one. Keep `good` always fitting and `bad` always breaking, and return `good`." },
  "finds an alpha that fits and is maximal, for several boards, budgets and families",
  () => {
    for (const c of CASES) {
      const tolerance = c.options.tolerance ?? 0.001;
      const r = largestAlpha(c.costAt, c.budget, c.options);
      const lo = c.options.lo ?? 0.05;
      const hi = c.options.hi ?? 4;
      expect(r.alpha, c.name).toBeGreaterThanOrEqual(lo);
      expect(r.alpha, c.name).toBeLessThan(hi); // every case is bounded by a budget below hi
      const at = c.costAt(r.alpha);
      expect({ case: c.name, fits: fitsIn(at, c.budget) }).toEqual({ case: c.name, fits: true });
      expect({ case: c.name, cost: r.cost }).toEqual({ case: c.name, cost: at });
      const above = c.costAt(r.alpha + tolerance);
      expect({ case: c.name, aboveFits: fitsIn(above, c.budget) }).toEqual({ case: c.name, aboveFits: false });
    }
  },
  { timeoutMs: 30_000 },
);

graded(
  { id: "04.1", points: 2, feedback: "binding lists the budgets broken just above your alpha (at the last `bad` point you tried), in the order flash, ram, macs: e.g. [\"macs\"] when the MAC budget is what stops alpha." },
  "reports which budget binds",
  () => {
    for (const c of CASES) {
      const r = largestAlpha(c.costAt, c.budget, c.options);
      const tolerance = c.options.tolerance ?? 0.001;
      const above = brokenIn(c.costAt(r.alpha + tolerance), c.budget);
      expect(r.binding.length, c.name).toBeGreaterThan(0);
      for (const b of r.binding) expect({ case: c.name, binding: b, brokenAbove: above.includes(b) }).toEqual({ case: c.name, binding: b, brokenAbove: true });
    }
    // A synthetic cost where only RAM grows past its budget.
    const r = largestAlpha((a) => ({ flashBytes: 10 * a, ramBytes: 1000 * a, macs: 1 }), { flashBytes: 1e9, ramBytes: 2500, macs: 10 });
    expect(r.binding).toEqual(["ram"]);
    expect(r.alpha).toBeGreaterThan(2.5 - 0.001);
    expect(r.alpha).toBeLessThanOrEqual(2.5);
  },
  { timeoutMs: 30_000 },
);

graded(
  { id: "04.1", points: 2, feedback: `Use bisection: halve the interval [good, bad] until bad - good <= tolerance. That takes about log2((hi - lo) / tolerance) calls of costAt (about 12 here, at most ${MAX_COST_CALLS} allowed), not one call per tolerance step.` },
  `uses bisection: at most ${MAX_COST_CALLS} evaluations of the cost per search`,
  () => {
    for (const c of CASES.slice(0, 3)) {
      const counter = counted(c.costAt);
      largestAlpha(counter.costAt, c.budget, c.options);
      const calls = counter.calls();
      expect({ case: c.name, calls, withinLimit: calls <= MAX_COST_CALLS }).toEqual({ case: c.name, calls, withinLimit: true });
    }
    // A step-shaped cost (channel counts are integers): the answer is the last alpha before the step.
    const steps = (a: number) => ({ flashBytes: Math.floor(a * 8) * 100, ramBytes: 0, macs: 0 });
    const r = largestAlpha(steps, { flashBytes: 1100, ramBytes: 1, macs: 1 }, { lo: 0.5, hi: 3, tolerance: 1e-4 });
    expect(r.alpha).toBeLessThan(1.5);
    expect(r.alpha).toBeGreaterThan(1.5 - 1e-4);
  },
  { timeoutMs: 30_000 },
);

graded(
  { id: "04.1", points: 1, feedback: "When even costAt(hi) fits, there is nothing to search: return alpha = hi and binding []." },
  "returns hi when everything up to hi fits",
  () => {
    const r = largestAlpha(phi([1, 32, 32], 0.75, 4), boardBudget("rpi4", Infinity), { hi: 1.5 });
    expect(r.alpha).toBe(1.5);
    expect(r.binding).toEqual([]);
  },
);

graded(
  { id: "04.1", points: 3, feedback: "If costAt(lo) already breaks a budget, throw a RangeError naming each broken budget with the word \"flash\", \"ram\" or \"macs\" and its value, and not naming the budgets that costAt(lo) fits." },
  "reports an impossible budget, naming the budgets it breaks and no other",
  () => {
    validCall("largestAlpha with a budget that alpha lo fits", () => largestAlpha(phi([3, 224, 224], 0.5, 4), { flashBytes: 1e9, ramBytes: 1e9, macs: Infinity }, { hi: 0.1, tolerance: 0.01 }));
    // 16 KB of RAM cannot hold even the narrowest PhiNet's 224x224 activations.
    const tiny = getBoard("stm32f303k8");
    const ram = errorFrom(() => largestAlpha(phi([3, 224, 224], 0.5, 4), { flashBytes: tiny.flashBytes, ramBytes: tiny.ramBytes, macs: Infinity }));
    expect(ram).toBeInstanceOf(RangeError);
    expect(ram.message).toMatch(/\bram\b/i);
    expect(ram.message).toContain(String(tiny.ramBytes));
    expect(ram.message).not.toMatch(/\bflash\b/i);
    const macs = errorFrom(() => largestAlpha(xi([3, 64, 64], 4), { flashBytes: 1e9, ramBytes: 1e9, macs: 1000 }, { lo: 0.5 }));
    expect(macs).toBeInstanceOf(RangeError);
    expect(macs.message).toMatch(/\bmacs\b/i);
    expect(macs.message).toContain("1000");
    expect(macs.message).not.toMatch(/\bram\b/i);
  },
);

graded(
  { id: "04.1", points: 1, feedback: "Check the options first: RangeError with the bad value for lo <= 0, hi <= lo and tolerance <= 0." },
  "rejects bad search options",
  () => {
    const cost = (a: number) => ({ flashBytes: a, ramBytes: a, macs: a });
    const budget = { flashBytes: 10, ramBytes: 10, macs: 10 };
    validCall("largestAlpha(cost, budget, { lo: 0.5, hi: 20, tolerance: 2 })", () => largestAlpha(cost, budget, { lo: 0.5, hi: 20, tolerance: 2 }));
    const cases: [AlphaSearchOptions, string][] = [[{ lo: -1 }, "-1"], [{ lo: 2, hi: 1.5 }, "1.5"], [{ tolerance: 0 }, "0"]];
    for (const [options, bad] of cases) {
      const e = errorFrom(() => largestAlpha(cost, budget, options));
      expect(e).toBeInstanceOf(RangeError);
      expect(e.message).toContain(bad);
    }
  },
);

// ---- 04.2 budgetUtilisation ----

graded(
  { id: "04.2", points: 2, feedback: "Each entry is cost / budget (a fraction, not a percentage); an Infinity budget gives 0." },
  "computes the fraction of each budget used",
  () => {
    expect(budgetUtilisation({ flashBytes: 512, ramBytes: 300, macs: 5e6 }, { flashBytes: 1024, ramBytes: 200, macs: Infinity })).toEqual({ flash: 0.5, ram: 1.5, macs: 0 });
    const board = getBoard("nrf52840");
    const c = point(phinetCost({ inputShape: [3, 96, 96], alpha: 0.5 }));
    const u = budgetUtilisation(c, { flashBytes: board.flashBytes, ramBytes: board.ramBytes, macs: 20e6 });
    expect(u.flash).toBeCloseTo(c.flashBytes / board.flashBytes, 12);
    expect(u.ram).toBeCloseTo(c.ramBytes / board.ramBytes, 12);
    expect(u.macs).toBeCloseTo(c.macs / 20e6, 12);
  },
);

graded(
  { id: "04.2", points: 1, feedback: "RangeError naming the entry and value for a budget that is 0, negative or NaN, and for a negative or NaN cost." },
  "rejects meaningless budgets and costs",
  () => {
    const ok = { flashBytes: 1, ramBytes: 1, macs: 1 };
    validCall("budgetUtilisation of a zero cost against unlimited budgets", () => budgetUtilisation({ flashBytes: 0, ramBytes: 0, macs: 0 }, { flashBytes: Infinity, ramBytes: Infinity, macs: Infinity }));
    const cases: [CostPoint, CostPoint, string][] = [
      [ok, { ...ok, ramBytes: 0 }, "0"], [ok, { ...ok, flashBytes: -5 }, "-5"], [ok, { ...ok, macs: Number.NaN }, "NaN"], [{ ...ok, macs: -2 }, ok, "-2"],
    ];
    for (const [cost, budget, bad] of cases) {
      const e = errorFrom(() => budgetUtilisation(cost, budget));
      expect(e).toBeInstanceOf(RangeError);
      expect(e.message).toContain(bad);
    }
  },
);
