// lessonModels(): every entry builds with its declared input shape, builds are reproducible, and calibration
// batches come from the course's datasets (compared with the loader's own output) or seeded random inputs.
// The motion entries are not calibrated here: loading the motion CSVs takes seconds (size-report's CLI does).
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { loadKeywords } from "../data/keywords";
import { runQuantized } from "./interpreter";
import { lessonModel, lessonModels, liveBatchNorms } from "./lesson-models";
import { dequantizeOutput, quantizeInput, quantizeModel } from "./quantize-model";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

describe("lessonModels", () => {
  it("covers lessons 00, 02, 03 and 05 with unique names and builds each with its input shape", () => {
    const all = lessonModels();
    expect(new Set(all.map((m) => m.name)).size).toBe(all.length);
    expect([...new Set(all.map((m) => m.lesson))]).toEqual(["00", "02", "03", "05"]);
    expect(all.filter((m) => /PhiNet/.test(m.name)).length).toBeGreaterThanOrEqual(3);
    expect(all.filter((m) => /XiNet/.test(m.name)).length).toBeGreaterThanOrEqual(3);
    for (const m of all) {
      const model = m.build();
      expect(model.inputs[0].shape.slice(1), m.name).toEqual(m.inputShape);
      model.dispose();
    }
    expect(() => lessonModel("nope")).toThrow(/no lesson model named "nope"; expected one of: "lesson00 tiny CNN \(MNIST\)"/);
  }, 20_000);

  it("builds are seeded: two builds have the same weights", () => {
    const m = lessonModel("lesson03 XiNet α 0.5 (MNIST)");
    const [a, b] = [m.build(), m.build()];
    const wa = a.getWeights().map((w) => Array.from(w.dataSync()));
    expect(b.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(wa);
    a.dispose();
    b.dispose();
  });

  it("calibration gives real dataset inputs where the lesson has a dataset, seeded random otherwise", async () => {
    const kw = lessonModel("lesson05 keyword tiny CNN (log-mel)");
    const batch = await kw.calibration(8);
    const ref = await loadKeywords({ split: "train", seed: 1, limit: 8 });
    expect(batch.shape).toEqual([8, 49, 40, 1]);
    expect(Array.from(batch.dataSync())).toEqual(Array.from(ref.inputs.dataSync()));
    ref.dispose();
    const digits = await lessonModel("lesson00 tiny CNN (MNIST)").calibration(4);
    const pixels = digits.dataSync();
    expect(Math.min(...pixels)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...pixels)).toBeLessThanOrEqual(1);
    const random = lessonModel("lesson02 three convs + skip");
    const [r1, r2] = [await random.calibration(2), await random.calibration(2)];
    expect(Array.from(r1.dataSync())).toEqual(Array.from(r2.dataSync()));
    expect(random.calibrationSource).toMatch(/seeded/);
    await expect(kw.calibration(0)).rejects.toThrow(/count must be an integer 1..200, got 0/);
    tf.dispose([batch, digits, r1, r2]);
  }, 15_000);

  it("liveBatchNorms gives BN its input's statistics, so an untrained PhiNet quantizes and runs in the interpreter", async () => {
    const m = lessonModel("lesson03 PhiNet α 0.25 (MNIST)");
    const x = await m.calibration(16);
    const model = liveBatchNorms(m.build(), x, 11);
    const bn = model.layers.find((l) => l.getClassName() === "BatchNormalization")!;
    const input = tf.model({ inputs: model.inputs, outputs: bn.input as tf.SymbolicTensor }).predict(x) as tf.Tensor;
    const inputMean = tf.moments(input, [0, 1, 2]).mean.dataSync();
    const moving = bn.getWeights()[2].dataSync();
    for (let c = 0; c < inputMean.length; c++) expect(moving[c]).toBeCloseTo(inputMean[c], 5);
    const graph = quantizeModel(model, { calibration: x, progress: false });
    // The int8 outputs follow the float ones (correlation over 4 inputs × 10 logits); the interpreter refuses
    // the same untrained net without live statistics (SE gate input range ~1e-8, see liveBatchNorms).
    const floats = (model.predict(x.slice(0, 4)) as tf.Tensor).dataSync();
    const int8 = [0, 1, 2, 3].flatMap((i) => Array.from(dequantizeOutput(graph, runQuantized(graph, quantizeInput(graph, x.slice(i, 1).dataSync())))));
    const mean = (v: ArrayLike<number>) => Array.from(v).reduce((a, b) => a + b, 0) / v.length;
    const [mf, mq] = [mean(floats), mean(int8)];
    let [sfq, sff, sqq] = [0, 0, 0];
    int8.forEach((q, i) => { sfq += (floats[i] - mf) * (q - mq); sff += (floats[i] - mf) ** 2; sqq += (q - mq) ** 2; });
    expect(sfq / Math.sqrt(sff * sqq)).toBeGreaterThan(0.9);
    tf.dispose([x, input]);
    model.dispose();
  }, 15_000);
});
