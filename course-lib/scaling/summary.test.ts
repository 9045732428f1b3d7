// The reporting helpers of lesson 04 (summary.ts): knob text, cost points, what stopped a search and the
// grid edges, on hand-made results and on real scaleToBoard results.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { ImpossibleBudgetError, scaleToBoard } from "./scale";
import { bindingOf, costPointOf, gridEdgesOf, impossibleText, knobText } from "./summary";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

describe("knobText", () => {
  it("writes the knobs as the lecture does, in the given order", () => {
    expect(knobText({ alpha: 0.6, beta: 0.75, t0: 4 })).toBe("α 0.6, β 0.75, t₀ 4");
    expect(knobText({ alpha: 0.2078928, numLayers: 3, gamma: 4 })).toBe("α 0.208, layers 3, γ 4");
    expect(knobText({ width: 2 })).toBe("width 2");
    expect(knobText({})).toBe("");
  });
  it("names a bad knob", () => {
    expect(() => knobText({ alpha: Number.NaN })).toThrow(/knob alpha must be a finite number, got NaN/);
    expect(() => knobText(null as never)).toThrow(/expected knobs/);
  });
});

describe("costPointOf, bindingOf, gridEdgesOf", () => {
  const stopped = (breaks: ("flash" | "ram" | "macs")[], reason: string) => ({ hyperparameters: { alpha: 3, gamma: 2 }, next: { breaks, reason } });

  it("read hand-made results", () => {
    expect(costPointOf({ measured: { flashBytes: 1, ramBytes: 2, macs: 3, params: 9 } as never })).toEqual({ flashBytes: 1, ramBytes: 2, macs: 3 });
    expect(bindingOf(stopped(["ram", "macs"], "breaks ram, macs"))).toBe("ram + macs");
    expect(bindingOf(stopped([], "alphaMax 3 reached: not maximal, raise alphaMax"))).toBe("α grid ends (α 3)");
    expect(bindingOf(stopped([], "cannot be built: too narrow"))).toBe("cannot be built: too narrow");
    const grid = { beta: [0.5, 0.66, 1], t0: [4, 5, 6], gamma: [4] };
    expect(gridEdgesOf({ hyperparameters: { alpha: 1, beta: 1, t0: 4, gamma: 4 }, grid })).toEqual(["β 1 (grid maximum)", "t₀ 4 (grid minimum)"]);
    expect(gridEdgesOf({ hyperparameters: { alpha: 1, beta: 0.66, t0: 5, gamma: 4 }, grid })).toEqual([]);
  });

  it("name what is missing", () => {
    expect(() => costPointOf({} as never)).toThrow(/with .measured/);
    expect(() => bindingOf({ hyperparameters: {} } as never)).toThrow(/with .next.breaks/);
    expect(() => gridEdgesOf({ hyperparameters: {} } as never)).toThrow(/with .grid/);
    expect(() => gridEdgesOf({ hyperparameters: {}, grid: { t0: [4, 6] } })).toThrow(/a t0 grid but no t0 value/);
  });

  it("read a real scaleToBoard result", () => {
    const r = scaleToBoard({ family: "phinet", board: "nrf52840", inputShape: [3, 96, 96], numClasses: 10, budget: { macs: 10e6 } });
    expect(costPointOf(r)).toEqual({ flashBytes: r.measured.flashBytes, ramBytes: r.measured.ramBytes, macs: r.measured.macs });
    expect(bindingOf(r)).toBe(r.next.breaks.join(" + "));
    // On the default grid the nRF52840's PhiNet takes the smallest t0 (4): the grid edge binds.
    expect(gridEdgesOf(r)).toContain("t₀ 4 (grid minimum)");
    r.model.dispose();
  });
});

describe("impossibleText", () => {
  it("words the budget, the need and the limit", () => {
    expect(impossibleText({ budget: "ram", need: 34560, limit: 12288 })).toBe("ram: the smallest network needs 33.8 KB, 12 KB allowed");
    expect(impossibleText({ budget: "macs", need: 1428788, limit: 1e6 })).toBe("macs: the smallest network needs 1.4 M MACs, 1.0 M MACs allowed");
  });
  it("reads a real error and names a bad one", () => {
    let error: unknown;
    try {
      scaleToBoard({ family: "xinet", board: "stm32f303k8", inputShape: [3, 96, 96] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ImpossibleBudgetError);
    expect(impossibleText(error as ImpossibleBudgetError)).toMatch(/^ram: the smallest network needs [\d.]+ KB, 16 KB allowed$/);
    expect(() => impossibleText(new Error("x") as never)).toThrow(/expected an ImpossibleBudgetError/);
  });
});
