// Tests for operator timing (timing.ts): the statistics, the efficiency ratio, and one real (tiny) timing
// run on the cpu backend that checks the bookkeeping, not the speed (speed targets live in benchmarks).
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { createCaptureTarget } from "../viz/display";
import { conv, depthwiseConv } from "./layers";
import { efficiencyVsReference, median, timeOperators, type OperatorTiming } from "./timing";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

describe("median and efficiency", () => {
  it("takes the middle value, or the mean of the two middle values", () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(/empty/);
  });
  it("divides each operator's MAC rate by the reference's", () => {
    const t = (name: string, macsPerSecond: number) => ({ name, macsPerSecond }) as OperatorTiming;
    expect(efficiencyVsReference([t("conv", 4e9), t("dw", 1e9)], "conv")).toEqual([{ name: "conv", efficiency: 1 }, { name: "dw", efficiency: 0.25 }]);
    expect(() => efficiencyVsReference([t("conv", 1)], "nope")).toThrow(/"nope".*conv/);
  });
});

describe("timeOperators", () => {
  it("times every operator, counts its MACs and reports progress in place", async () => {
    const target = createCaptureTarget();
    const result = await timeOperators(
      [
        { name: "conv", inputShape: [8, 8, 4], build: (x) => conv(x, { filters: 4, kernel: 3, bias: false }) },
        { name: "dw", inputShape: [8, 8, 4], build: (x) => depthwiseConv(x, { kernel: 3, bias: false }) },
      ],
      { runs: 3, warmupRuns: 1, target },
    );
    expect(result.map((r) => r.name)).toEqual(["conv", "dw"]);
    expect(result[0].macs).toBe(8 * 8 * 4 * 9 * 4);
    expect(result[1].macs).toBe(8 * 8 * 4 * 9);
    for (const r of result) {
      expect(r.runsMs).toHaveLength(3);
      expect(r.medianMs).toBe(median(r.runsMs));
      expect(r.nsPerMac).toBeCloseTo((r.medianMs * 1e6) / r.macs, 9);
      expect(r.backend).toBe("cpu");
    }
    expect(target.messages[0].type).toBe("display_data");
    expect(target.messages.slice(1).every((m) => m.type === "update_display_data" && m.displayId === target.messages[0].displayId)).toBe(true);
  });
  it("rejects bad options", async () => {
    await expect(timeOperators([], {})).rejects.toThrow(/non-empty/);
    await expect(timeOperators([{ name: "x", inputShape: [2], build: (x) => x }], { runs: 0 })).rejects.toThrow(/runs/);
  });
});
