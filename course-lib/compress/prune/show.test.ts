// Lesson 07's figures and tables as plain data: the histogram counts every non-zero once and reports the
// zeros, the tables show what the summaries hold, and empty inputs are refused.
import { describe, expect, it } from "vitest";
import { layerDropTableOptions, structuredFigure, structuredTableOptions, unstructuredFigure, unstructuredTableOptions, weightHistogramFigure } from "./show";
import { summarizeLayerDrop, summarizeStructured, summarizeUnstructured, type LayerDropRun, type StructuredRun, type UnstructuredRun } from "./study";

describe("weightHistogramFigure", () => {
  it("bins every non-zero once and leaves the zeros out, saying how many", () => {
    const dense = [-1, -0.5, 0.25, 0.5, 1, 0.75];
    const pruned = [-1, 0, 0, 0, 1, 0.75];
    const fig = weightHistogramFigure([{ name: "dense", values: dense }, { name: "pruned", values: pruned }], "t", 8);
    const [a, b] = fig.data as { y: number[]; x: number[]; name: string }[];
    expect(a.y.reduce((s, v) => s + v, 0)).toBe(6);
    expect(b.y.reduce((s, v) => s + v, 0)).toBe(3);
    expect(b.name).toContain("3 exact zeros");
    // Bins of width 0.25 over [-1, 1]: -1 alone in the first, 0.75 and the maximum 1 in the last.
    expect(a.y[0]).toBe(1);
    expect(a.y[7]).toBe(2);
    expect(a.x[0]).toBeCloseTo(-1 + 2 / 16, 12);
  });

  it("refuses no series and values without a range", () => {
    expect(() => weightHistogramFigure([], "t")).toThrow(/no series/);
    expect(() => weightHistogramFigure([{ name: "a", values: [2, 2] }], "t")).toThrow(/span no range \(min 2, max 2\)/);
  });
});

const unstructuredRuns: UnstructuredRun[] = [1, 2, 3].flatMap((seed) => [0.5, 0.9].flatMap((sparsity) =>
  (["one-shot", "one-shot + fine-tune", "gradual"] as const).map((method, m) => ({
    seed, method, sparsity, achieved: sparsity, parentAccuracy: 0.97, accuracy: 0.97 - sparsity * 0.1 * (3 - m) - 0.001 * seed,
  }))));

describe("unstructured summaries", () => {
  it("averages per method and sparsity, and tabulates mean ± sd and the drop from the parent", () => {
    const s = summarizeUnstructured(unstructuredRuns);
    expect(s).toHaveLength(6);
    const oneShot90 = s.find((x) => x.method === "one-shot" && x.sparsity === 0.9)!;
    expect(oneShot90.accuracy.mean).toBeCloseTo(0.97 - 0.27 - 0.002, 12);
    expect(oneShot90.drop.mean).toBeCloseTo(-0.272, 12);
    expect(oneShot90.accuracy.sd).toBeCloseTo(0.001, 12);
    const t = unstructuredTableOptions(s);
    expect(t.columns).toEqual(["method", "50 % sparse", "90 % sparse"]);
    expect(t.rows[0]).toEqual(["one-shot", "81.8 ± 0.1 (-15.2)", "69.8 ± 0.1 (-27.2)"]);
    const fig = unstructuredFigure(s, [0.97, 0.97, 0.97]);
    expect(fig.data).toHaveLength(4);
  });
});

const structuredRuns: StructuredRun[] = [1, 2, 3].flatMap((seed) => (["l1", "energy", "scratch"] as const).map((arm, a) => ({
  seed, arm, ratio: 0.5, accuracyBefore: arm === "scratch" ? NaN : 0.5, accuracy: 0.9 + 0.02 * a + 0.001 * seed, parentAccuracy: 0.97,
  params: 1000, macs: 5000, peakRamBytes: 300, flashBytes: 1000,
})));

describe("structured summaries", () => {
  it("gives a verdict against scratch by the course's two-sd rule", () => {
    const s = summarizeStructured(structuredRuns);
    const verdicts = Object.fromEntries(s.map((x) => [x.arm, x.verdictVsScratch]));
    expect(verdicts).toEqual({ l1: "hurts", energy: "hurts", scratch: "baseline" });
    const t = structuredTableOptions(s, { params: 4000, macs: 20000, peakRamBytes: 600, flashBytes: 4000, accuracy: [0.97, 0.96, 0.98] });
    expect(t.rows[0]).toEqual(["0 %", "parent", 4000, 20000, 600, 4000, "—", "97.0 ± 1.0", "—"]);
    expect(t.rows).toHaveLength(4);
    expect(structuredFigure(s, { macs: 20000, accuracy: [0.97] }).data).toHaveLength(4);
  });
});

describe("layer-drop summaries", () => {
  it("averages each arm and shows the parameter and MAC change", () => {
    const runs: LayerDropRun[] = [1, 2, 3].flatMap((seed) => (["plain", "layer-drop"] as const).map((arm) => ({
      seed, arm, dropped: ["block5", "block9"], fullAccuracy: 0.9, droppedAccuracy: arm === "plain" ? 0.3 : 0.8, fineTunedAccuracy: 0.85,
      fullParams: 2000, droppedParams: 1500, fullMacs: 10000, droppedMacs: 8000,
    })));
    const s = summarizeLayerDrop(runs);
    expect(s.map((x) => x.arm)).toEqual(["plain", "layer-drop"]);
    expect(s[0].removed.mean).toBeCloseTo(0.3, 12);
    expect(s[1].removed.mean).toBeCloseTo(0.8, 12);
    const t = layerDropTableOptions(s);
    expect(t.rows[1]).toEqual(["layer-drop", "block5, block9", "2,000 → 1,500", "10,000 → 8,000", "90.0 ± 0.0", "80.0 ± 0.0", "85.0 ± 0.0"]);
    expect(() => summarizeLayerDrop([])).toThrow(/no runs/);
  });
});
