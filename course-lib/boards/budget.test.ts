// Tests of budget.ts's helpers around checkFit: the footprint of a profile (batch norm folded), the
// course's runtime reserve and the table cell of a budget. checkFit itself is graded by exercise 01.4.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { BUILTINS } from "../profiler/builtins";
import { profileModel } from "../profiler/profile";
import { RUNTIME_RESERVE, boardBudget, budgetCell, checkFit, footprintOf, tighterBudget } from "./budget";
import { BOARDS, getBoard } from "./catalogue";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

function profileOf(name: keyof typeof BUILTINS) {
  const model = BUILTINS[name].build();
  const profile = profileModel(model);
  model.dispose();
  return profile;
}

describe("footprintOf", () => {
  it("counts the values stored after folding batch norm, so checkFit's float32 flash is the profiler's", () => {
    const profile = profileOf("mobilenet-like");
    const footprint = footprintOf(profile, "float32");
    // BN's 4 values per channel (gamma, beta, moving mean and variance) become the conv's bias.
    expect(footprint.params).toBeLessThan(profile.totals.params.total);
    expect(footprint.params).toBe(profile.totals.flash.float32 / 4);
    const check = checkFit(footprint, boardBudget(getBoard("stm32l476rg")));
    expect(check.flash.used).toBe(profile.totals.flash.float32);
    expect(check.ram.used).toBe(profile.totals.peakRam.float32);
    expect(footprintOf(profile, "int8")).toMatchObject({ params: footprint.params, bytesPerParam: 1 });
    expect(footprintOf(profile, "int8").peakActivationBytes).toBe(profile.totals.peakRam.int8);
  });

  it("equals countParams for a network without batch norm", () => {
    const profile = profileOf("lenet");
    expect(footprintOf(profile, "int8").params).toBe(profile.totals.params.total);
    expect(() => footprintOf(profile, "int4" as never)).toThrow(/precision must be "float32" or "int8", got "int4"/);
  });
});

describe("RUNTIME_RESERVE", () => {
  it("leaves room on every board of the catalogue", () => {
    for (const b of BOARDS) {
      const budget = boardBudget(b, RUNTIME_RESERVE);
      const check = checkFit({ params: 0, bytesPerParam: 1, peakActivationBytes: 0, macs: 0 }, budget);
      expect([b.id, check.flash.available > 0, check.ram.available > 0]).toEqual([b.id, true, true]);
    }
    expect(Object.isFrozen(RUNTIME_RESERVE)).toBe(true);
  });
});

describe("budgetCell", () => {
  it("shows the utilisation of what is available, coloured by fit, with the slack on hover", () => {
    const cell = budgetCell({ used: 48 * 1024, available: 32 * 1024, capacity: 64 * 1024, reserved: 32 * 1024,
      slack: -16 * 1024, utilisation: 1.5, ok: false });
    expect(cell).toEqual({ text: "150% of 32 KB", background: "#fbe0e0", title: "used 48 KB of 32 KB available: slack -16 KB" });
    const small = budgetCell({ used: 1, available: 1024, capacity: 1024, reserved: 0, slack: 1023, utilisation: 1 / 1024, ok: true });
    expect(small).toMatchObject({ text: "<1% of 1 KB", background: "#e3f4e0" });
  });
});

describe("tighterBudget", () => {
  const board = { flashBytes: 64 * 1024, ramBytes: 16 * 1024, macsPerSecond: 1e8 };
  it("picks the budget with the larger utilisation and keeps the whole check's verdict", () => {
    const ramBound = checkFit({ params: 1024, bytesPerParam: 1, peakActivationBytes: 8 * 1024, macs: 0 }, board);
    expect(tighterBudget(ramBound)).toEqual({ utilisation: 0.5, ok: true, note: "RAM" });
    // flash 200% full, RAM 25%: flash is the tighter one and the check does not fit.
    const flashBound = checkFit({ params: 128 * 1024, bytesPerParam: 1, peakActivationBytes: 4 * 1024, macs: 0 }, board);
    expect(tighterBudget(flashBound)).toEqual({ utilisation: 2, ok: false, note: "flash" });
  });

  it("names a check without budgets", () => {
    expect(() => tighterBudget({ ok: true } as never)).toThrow(/tighterBudget: expected a FitCheck .*got \{"ok":true\}/);
  });
});
