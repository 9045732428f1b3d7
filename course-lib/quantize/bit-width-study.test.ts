// The lesson's low-bit study functions on a tiny setting: row structure, seeds in order, the verdict rule,
// and the one result that must hold at any size (8-bit per-channel weights change at most one test digit).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bitWidthSweep, qatVsPtq, formatAccuracyTable, studyCnn } from "./bit-width-study";
import { initBackend } from "../runtime/backend";
import { loadMnist, type MnistDataset } from "../data/mnist";
import { createCaptureTarget, setDefaultDisplayTarget } from "../viz/display";

let mnist: MnistDataset;
beforeAll(async () => {
  await initBackend({ backend: "wasm" });
  setDefaultDisplayTarget(createCaptureTarget());
  mnist = loadMnist({ limit: 800 });
});
afterAll(() => {
  mnist?.dispose();
  setDefaultDisplayTarget(undefined);
});

describe("low-bit study", () => {
  it("bitWidthSweep: a float row then one row per scheme and width, mean ± sd of the seeds", async () => {
    const rows = await bitWidthSweep({ train: mnist.train, test: mnist.test, build: studyCnn, epochs: 1, seeds: [0, 1], bits: [8, 2], schemes: ["uniform", "additive-power-of-two"] });
    expect(rows.map((r) => r.label)).toEqual(["float", "8-bit uniform PTQ", "2-bit uniform PTQ", "8-bit additive-power-of-two PTQ", "2-bit additive-power-of-two PTQ"]);
    for (const r of rows) {
      expect(r.accuracies.length).toBe(2);
      expect(r.summary.mean).toBeCloseTo((r.accuracies[0] + r.accuracies[1]) / 2, 12);
    }
    // 8-bit per-channel weights change at most one of the 80 test digits' predictions.
    for (let s = 0; s < 2; s++) expect(Math.abs(rows[1].accuracies[s] - rows[0].accuracies[s])).toBeLessThanOrEqual(1 / mnist.test.size + 1e-12);
    expect(formatAccuracyTable(rows).split("\n").length).toBe(5);
  });

  it("qatVsPtq: float, PTQ and QAT rows and a verdict; null verdict with one seed", async () => {
    const r = await qatVsPtq({ train: mnist.train, test: mnist.test, build: studyCnn, epochs: 1, fineTuneEpochs: 1, seeds: [0], bits: 3 });
    expect(r.rows.map((x) => x.method)).toEqual(["float", "PTQ", "QAT"]);
    expect(r.rows[2].label).toBe("3-bit uniform QAT");
    expect(r.verdict).toBeNull();
  });
});
