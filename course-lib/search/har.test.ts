// The HAR search problem: deployability from the int8 graph's measured flash and arena RAM against the
// board catalogue's datasheet figures minus the runtime reserve, training only what deploys (once per
// configuration, whichever board asks, seeded), and a 3-trial SVM-CBO search on each board.
import { beforeAll, afterAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { getBoard } from "../boards/catalogue";
import { RUNTIME_RESERVE } from "../boards/budget";
import { profileModel } from "../profiler/profile";
import { initBackend } from "../runtime/backend";
import { HAR_BASELINE, HAR_SPACE, harDeployable, harModel, HarData, HarSearch, loadHarData } from "./har";
import { runSearch } from "./run";
import { checkConfig, Config } from "./space";

let data: HarData;
beforeAll(async () => {
  await initBackend();
  data = await loadHarData();
}, 60_000);
afterAll(() => data?.dispose());

const tiny: Config = { blocks: 1, filters: 4, kernelSize: 3, pooling: "max2", denseUnits: 0, dropout: 0, activation: "relu", optimizer: "adam", learningRate: 3e-3 };

describe("HAR search problem", () => {
  it("builds the configured CNN: blocks, doubling filters, pooling, dense layer, six softmax outputs", () => {
    checkConfig(HAR_SPACE, HAR_BASELINE);
    const model = harModel(HAR_BASELINE);
    const convs = model.layers.filter((l) => l.getClassName() === "Conv1D").map((l) => (l.getConfig() as { filters: number }).filters);
    expect(convs).toEqual([16, 32]);
    expect(model.layers.filter((l) => l.getClassName() === "MaxPooling1D")).toHaveLength(2);
    expect(model.outputs[0].shape).toEqual([null, 6]);
    // 128 steps halved twice: 32 × 32 features into the 64-unit dense layer.
    expect(profileModel(model).layers.find((l) => l.name === "dense")?.params.total).toBe(32 * 32 * 64 + 64);
    model.dispose();
    expect(() => harModel({ ...HAR_BASELINE, kernelSize: 4 })).toThrow(/kernelSize = 4 is not one of \[3,5,7,9\]/);
  });

  it("decides deployability from the int8 graph against datasheet flash and SRAM minus the reserve", () => {
    const search = new HarSearch(data, { epochs: 1 });
    const f = search.footprint(HAR_BASELINE);
    // int8 weights of the baseline: conv 5·6·16 + conv 5·16·32 + dense 1024·64 + 64·6, plus int32 biases and
    // per-channel quantization parameters: a little above one byte per parameter.
    const model = harModel(HAR_BASELINE);
    const params = profileModel(model).totals.params.total;
    model.dispose();
    expect(f.params).toBe(params);
    expect(f.flashBytes).toBeGreaterThan(params);
    expect(f.flashBytes).toBeLessThan(1.2 * params);
    for (const id of ["stm32f303k8", "stm32l476rg"]) {
      const board = getBoard(id);
      const d = harDeployable(f, id);
      expect(d.flashBudget).toBe(board.flashBytes - RUNTIME_RESERVE.flashBytes);
      expect(d.ramBudget).toBe(board.ramBytes - RUNTIME_RESERVE.ramBytes);
      expect(d.ok).toBe(f.flashBytes <= d.flashBudget && f.ramBytes <= d.ramBudget);
    }
    expect(harDeployable(f, "stm32f303k8").ok).toBe(false); // ~70 KB of weights in a 64 KB part
    expect(harDeployable(f, "stm32l476rg").ok).toBe(true);
  });

  it("trains only what deploys, once per configuration, and the same configuration gives the same result", async () => {
    const search = new HarSearch(data, { epochs: 1 });
    const small = await search.problem("stm32f303k8").evaluate(HAR_BASELINE);
    expect(small.feasible).toBe(false);
    expect(small.info).toMatchObject({ reason: "flash" });
    expect(search.trainings).toBe(0);
    const a = await search.problem("stm32l476rg").evaluate(tiny);
    const b = await search.problem("stm32f303k8").evaluate(tiny);
    expect(search.trainings).toBe(1);
    const trained = (r: typeof a) => ({ value: r.value, ...(r.info as object), flashBudget: 0, ramBudget: 0 });
    expect(trained(b)).toEqual(trained(a)); // the boards' budgets differ, the trained result does not
    expect(a.feasible).toBe(true);
    const info = a.info as { validationAccuracy: number; testAccuracy: number };
    expect(a.value).toBeCloseTo(1 - info.validationAccuracy, 12);
    expect(info.testAccuracy).toBeGreaterThanOrEqual(0);
    const again = await new HarSearch(data, { epochs: 1 }).problem("stm32l476rg").evaluate(tiny);
    expect(again.value).toBe(a.value);
    expect(tf.memory().numTensors).toBeLessThan(200);
  }, 60_000);

  it("a 3-trial SVM-CBO search on each board", async () => {
    const search = new HarSearch(data, { epochs: 1 });
    for (const board of ["stm32f303k8", "stm32l476rg"]) {
      const run = await runSearch(search.problem(board), "svm-cbo", { budget: 3, initialPoints: 2, phase1Budget: 1, seed: 3, candidates: 128 });
      expect(run.trials.map((t) => t.phase)).toEqual(["initial", "initial", "phase-1"]);
      for (const t of run.trials) {
        const info = t.info as { flashBytes: number; ramBytes: number; flashBudget: number; ramBudget: number };
        expect(t.feasible).toBe(info.flashBytes <= info.flashBudget && info.ramBytes <= info.ramBudget);
      }
    }
  }, 120_000);
});
