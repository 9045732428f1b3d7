// Tests for compound scaling (scaling.ts): the factors, the rounding of the scaled baseline, and that the
// built models' costs grow the way lesson 02 says (params with depth x width^2, RAM with width x res^2).
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { profileModel } from "../profiler/profile";
import { TINY_BASELINE, buildBaseline, compoundFactors, roundChannels, scaleBaseline } from "./scaling";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

describe("compound scaling", () => {
  it("computes EfficientNet's factors", () => {
    const f = compoundFactors(2);
    expect(f.depth).toBeCloseTo(1.44, 12);
    expect(f.width).toBeCloseTo(1.21, 12);
    expect(f.resolution).toBeCloseTo(1.3225, 12);
    expect(f.macs).toBeCloseTo((1.2 * 1.1 ** 2 * 1.15 ** 2) ** 2, 12);
    expect(compoundFactors(0)).toEqual({ phi: 0, depth: 1, width: 1, resolution: 1, macs: 1 });
    expect(() => compoundFactors(NaN)).toThrow(/phi/);
    expect(() => compoundFactors(1, { alpha: 0.5, beta: 1, gamma: 1 })).toThrow(/alpha/);
  });
  it("rounds channels, blocks and resolution", () => {
    expect(roundChannels(17.6)).toBe(16);
    expect(roundChannels(1)).toBe(4);
    const spec = scaleBaseline(TINY_BASELINE, compoundFactors(4));
    expect(spec.resolution % 8).toBe(0);
    expect(spec.stages.map((s) => s.blocks)).toEqual([2, 4, 4, 2]);
    expect(spec.stages.every((s) => s.channels % 4 === 0)).toBe(true);
    expect(scaleBaseline(TINY_BASELINE, compoundFactors(0))).toEqual(TINY_BASELINE);
  });
  it("builds models whose parameters ignore resolution and whose RAM ignores depth", () => {
    const base = TINY_BASELINE;
    const costs = (spec: typeof base) => {
      const model = buildBaseline(spec);
      const p = profileModel(model);
      model.dispose();
      return { params: p.totals.params.total, ram: p.totals.peakRam.int8, macs: p.totals.macs };
    };
    const b = costs(base);
    const higherRes = costs({ ...base, resolution: 96 });
    expect(higherRes.params).toBe(b.params);
    expect(higherRes.ram).toBeGreaterThan(b.ram);
    const deeper = costs({ ...base, stages: base.stages.map((s) => ({ ...s, blocks: s.blocks + 1 })) });
    expect(deeper.ram).toBe(b.ram);
    expect(deeper.params).toBeGreaterThan(b.params);
    expect(deeper.macs).toBeGreaterThan(b.macs);
  });
});
