// The bisection of invert.ts: fit, maximality and the number of cost evaluations on real PhiNet/XiNet
// costs and on synthetic step costs; impossible budgets are named; agreement with scaleToBoard's grid.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { phinetCost } from "../nets/phinet-cost";
import { brokenBudgets, budgetUtilisation, largestAlpha, type CostPoint } from "./invert";
import { scaleToBoard } from "./scale";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

const phi = (alpha: number): CostPoint => {
  const c = phinetCost({ inputShape: [3, 160, 160], alpha, beta: 0.66, t0: 4 });
  return { flashBytes: c.flash.int8, ramBytes: c.peakRam.int8, macs: c.macs };
};

describe("largestAlpha", () => {
  it("fits, is maximal and takes ~log2(range/tolerance) evaluations", () => {
    const budget = { flashBytes: 1024 * 1024, ramBytes: Infinity, macs: 63e6 };
    let calls = 0;
    const r = largestAlpha((a) => { calls++; return phi(a); }, budget, { lo: 0.05, hi: 3, tolerance: 0.001 });
    expect(brokenBudgets(r.cost, budget)).toEqual([]);
    expect(brokenBudgets(phi(r.alpha + 0.001), budget).length).toBeGreaterThan(0);
    expect(r.binding).toEqual(["macs"]);
    expect(calls).toBeLessThanOrEqual(Math.ceil(Math.log2(2.95 / 0.001)) + 2);
    // The grid search (step 0.05) lands on the grid point at or below the bisection's alpha.
    const grid = scaleToBoard({ family: "phinet", budget, inputShape: [3, 160, 160], betaGrid: [0.66], t0Grid: [4] });
    expect(grid.hyperparameters.alpha).toBeLessThanOrEqual(r.alpha);
    expect(grid.hyperparameters.alpha).toBeGreaterThan(r.alpha - 0.05);
    grid.model.dispose();
  });

  it("returns hi when hi fits, and names impossible budgets", () => {
    expect(largestAlpha((a) => ({ flashBytes: a, ramBytes: a, macs: a }), { flashBytes: 10, ramBytes: 10, macs: 10 }, { hi: 5 })).toEqual({
      alpha: 5, cost: { flashBytes: 5, ramBytes: 5, macs: 5 }, binding: [],
    });
    expect(() => largestAlpha(phi, { flashBytes: 1e9, ramBytes: 16384, macs: Infinity })).toThrow(/impossible budget: even the smallest alpha breaks the ram budget 16384 \(alpha 0.05 needs \d+, \d+ over\)/);
    expect(() => largestAlpha(phi, { flashBytes: 1e9, ramBytes: 0, macs: 1 })).toThrow(/budget.ramBytes must be a number > 0/);
    expect(() => largestAlpha(phi, { flashBytes: 1, ramBytes: 1, macs: 1 }, { tolerance: -1 })).toThrow(/tolerance must be > 0, got -1/);
  });

  it("budgetUtilisation", () => {
    expect(budgetUtilisation({ flashBytes: 512, ramBytes: 300, macs: 5 }, { flashBytes: 1024, ramBytes: 200, macs: Infinity })).toEqual({ flash: 0.5, ram: 1.5, macs: 0 });
    expect(() => budgetUtilisation({ flashBytes: -1, ramBytes: 0, macs: 0 }, { flashBytes: 1, ramBytes: 1, macs: 1 })).toThrow(/cost.flashBytes must be a number >= 0, got -1/);
  });
});
