// Tests of quantization-aware training: the clipped straight-through gradient (checked with tf.grad), the
// activation layer's moving-average range and serialization, the shadow-weight STE through fitWithProgress,
// QAT against PTQ on a few thousand MNIST digits (wasm backend), and conversion of a QAT model by
// quantizeModel into the int8 graph that the integer interpreter runs.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { studyCnn } from "./bit-width-study";
import * as tf from "@tensorflow/tfjs";
import { FakeQuantActivation, fakeQuantWithClippedSte, prepareQat, quantizationAwareTraining } from "./qat";
import { fakeQuantize, fakeQuantizeKernel, fakeQuantizeModelWeights, cloneModel, quantizerLevels } from "./fake-quant";
import { initBackend } from "../runtime/backend";
import { loadMnist, type MnistDataset } from "../data/mnist";
import { fitWithProgress } from "../train/fit";
import { evaluate } from "../train/evaluate";
import { withSeededRandomAsync } from "../nets/seeded";
import { createCaptureTarget, setDefaultDisplayTarget } from "../viz/display";
import { quantizeModel, evaluateQuantized } from "./quantize-model";
import { activationParams } from "./calibrate";

let mnist: MnistDataset;
beforeAll(async () => {
  await initBackend({ backend: "wasm" });
  setDefaultDisplayTarget(createCaptureTarget());
  mnist = loadMnist({ limit: 3000 }); // 2400 train / 300 validation / 300 test
});
afterAll(() => {
  mnist?.dispose();
  setDefaultDisplayTarget(undefined);
});

async function trainedCnn(seed: number, epochs = 4): Promise<tf.LayersModel> {
  return withSeededRandomAsync(seed, async () => {
    const m = studyCnn();
    await fitWithProgress(m, mnist.train, { epochs, seed });
    return m;
  });
}

describe("clipped straight-through estimator", () => {
  it("passes the gradient (1) inside the representable range and 0 outside; the value is the fake-quant", () => {
    const x = tf.tensor1d([-2, -1.2, -1, -0.3, 0, 0.5, 0.99, 1.0, 1.01, 3]);
    const lo = tf.scalar(-1), hi = tf.scalar(1);
    const g = tf.grad((t: tf.Tensor) => fakeQuantWithClippedSte(t, lo, hi, 8))(x);
    // The representable range of 8 bits on [−1, 1] is [(−128 − z)·s, (127 − z)·s] with TFLite's s and z
    // (calibrate.ts's activationParams); the gradient mask is exactly that range (TF's nudged min/max).
    const { scale, zeroPoint } = activationParams(-1, 1);
    const nudged = [(-128 - zeroPoint) * scale, (127 - zeroPoint) * scale];
    const expected = Array.from(x.dataSync()).map((v) => (v >= Math.fround(nudged[0]) && v <= Math.fround(nudged[1]) ? 1 : 0));
    expect(Array.from(g.dataSync())).toEqual(expected);
    expect([expected[0], expected[1], expected[3], expected[5], expected[8], expected[9]]).toEqual([0, 0, 1, 1, 0, 0]);
    const value = fakeQuantWithClippedSte(x, lo, hi, 8);
    expect(Array.from(value.dataSync())).toEqual(Array.from(fakeQuantize(x, { bits: 8, scheme: "uniform", symmetric: false, range: [-1, 1] }).dataSync()));
  });
});

describe("FakeQuantActivation", () => {
  it("starts its range at the first training batch, then averages with the decay; inference leaves it alone", () => {
    const layer = new FakeQuantActivation({ bits: 8, decay: 0.75 });
    const a = tf.tensor2d([[-1, 2]]), b = tf.tensor2d([[-3, 6]]);
    expect(Array.from((layer.apply(a) as tf.Tensor).dataSync())).toEqual([-1, 2]); // no range yet: pass-through
    expect(layer.range()).toBeNull();
    layer.apply(a, { training: true });
    expect(layer.range()).toEqual([-1, 2]);
    layer.apply(b, { training: true });
    const r = layer.range() as [number, number];
    expect(r[0]).toBeCloseTo(0.75 * -1 + 0.25 * -3, 6);
    expect(r[1]).toBeCloseTo(0.75 * 2 + 0.25 * 6, 6);
    layer.apply(tf.tensor2d([[-100, 100]]));
    expect(layer.range()).toEqual(r);
  });

  it("serializes with a model (registered class) and keeps bits and decay", () => {
    const input = tf.input({ shape: [3] });
    const out = new FakeQuantActivation({ bits: 5, decay: 0.9, name: "fq" }).apply(tf.layers.dense({ units: 2 }).apply(input) as tf.SymbolicTensor) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: out });
    const copy = cloneModel(model);
    const fq = copy.getLayer("fq") as FakeQuantActivation;
    expect(fq).toBeInstanceOf(FakeQuantActivation);
    expect([fq.bits, fq.decay]).toEqual([5, 0.9]);
  });
});

describe("QAT with the course's training loop", () => {
  it("keeps kernels on the quantizer's levels while the float shadow weights learn", async () => {
    const model = await withSeededRandomAsync(1, async () => studyCnn());
    const before = model.layers[0].getWeights()[0].clone(); // getWeights returns the live variable
    // A large learning rate, so that a few steps move some weights across 3-bit power-of-two levels.
    const session = prepareQat(model, { weightBits: 3, weightScheme: "power-of-two", optimizer: tf.train.adam(0.02) });
    // Loaded: the kernel is fakeQuant(float kernel), per output channel.
    expect(Array.from(model.layers[0].getWeights()[0].dataSync())).toEqual(Array.from(fakeQuantizeKernel(before, "Conv2D", "kernel", { bits: 3, scheme: "power-of-two" }).dataSync()));
    const small = { images: mnist.train.images.slice(0, 256), labels: mnist.train.labels.slice(0, 256) };
    await session.fit(small, { epochs: 1, batchSize: 32 });
    const after = model.layers[0].getWeights()[0];
    // Still exactly on a 3-bit power-of-two level set of its own channel α, but not the levels it started at.
    const col = Array.from(after.slice([0, 0, 0, 0], [3, 3, 1, 1]).dataSync());
    const alpha = Math.max(...col.map(Math.abs));
    const levels = quantizerLevels("power-of-two", 3, alpha).map(Math.fround);
    for (const v of col) expect(levels).toContain(v);
    expect(Array.from(after.dataSync())).not.toEqual(Array.from(fakeQuantizeKernel(before, "Conv2D", "kernel", { bits: 3, scheme: "power-of-two" }).dataSync()));
    const ranges = session.activationRanges();
    // The input, both conv+ReLU outputs; flatten keeps its input's; dense+softmax has a fixed output.
    expect(Object.keys(ranges).length).toBe(3);
    expect(ranges[model.layers[0].name][0]).toBe(0); // after ReLU
    session.finish().dispose();
    session.trainingModel.dispose();
    model.dispose(); // layers shared with trainingModel: tfjs counts the models using them
  });

  it("QAT recovers what PTQ loses: 2-bit weights far above PTQ; at 4 bits no worse (numbers logged)", async () => {
    const results: Record<string, number> = {};
    for (const bits of [2, 4]) {
      const base = await trainedCnn(0);
      const ptqModel = cloneModel(base);
      ptqModel.compile({ optimizer: tf.train.adam(1e-3), loss: "categoricalCrossentropy", metrics: ["accuracy"] });
      // Fair: the PTQ model gets the same extra epochs of (float) fine-tuning as the QAT model.
      await fitWithProgress(ptqModel, mnist.train, { epochs: 2, seed: 7 });
      const float = evaluate(ptqModel, mnist.test).accuracy;
      const ptq = fakeQuantizeModelWeights(ptqModel, { bits, scheme: "uniform" });
      const ptqAcc = evaluate(ptq, mnist.test).accuracy;
      const qat = await quantizationAwareTraining(base, mnist.train, { weightBits: bits, activationBits: null, optimizer: tf.train.adam(1e-3), fit: { epochs: 2, seed: 7 } });
      const qatAcc = evaluate(qat.model, mnist.test).accuracy;
      Object.assign(results, { [`float(${bits})`]: float, [`ptq${bits}`]: ptqAcc, [`qat${bits}`]: qatAcc });
      [ptq, ptqModel, qat.model, qat.trainingModel, base].forEach((m) => m.dispose());
    }
    console.log("QAT vs PTQ on 300 MNIST test digits, one seed:", JSON.stringify(results));
    expect(results.qat2).toBeGreaterThan(results.ptq2 + 0.2);
    // At 4 bits per-channel PTQ already stays within about a point of float on this task, and over 3 seeds
    // QAT shows no clear gain (bit-width-study.ts measures it); here we require only that QAT does no harm.
    expect(results.qat4).toBeGreaterThanOrEqual(results.ptq4 - 0.01);
  });

  it("a QAT model converts with quantizeModel to the int8 graph, weights on the QAT levels, ranges as learned", async () => {
    const model = await trainedCnn(2, 3);
    const qat = await quantizationAwareTraining(model, mnist.train, { weightBits: 4, activationBits: 8, optimizer: tf.train.adam(1e-3), fit: { epochs: 1, seed: 3 } });
    const simulated = evaluate(qat.trainingModel, mnist.test).accuracy;
    const graph = quantizeModel(qat.model, {
      calibration: mnist.train.images.slice(0, 200),
      bits: 4,
      denseWeights: "per-channel", // QAT quantized the dense kernel per channel too
      activationRanges: qat.activationRanges,
      progress: false,
    });
    // Weights: int8 values in [−7, 7] whose dequantized values are exactly the QAT kernels.
    const convFilter = graph.tensors.find((t) => t.data && t.shape.length === 4 && t.shape[0] === 8) as (typeof graph.tensors)[number];
    expect(Math.max(...(convFilter.data as number[]).map(Math.abs))).toBe(7);
    const kernel = qat.model.layers[0].getWeights()[0].transpose([3, 0, 1, 2]).dataSync(); // HWIO → OHWI
    const per = kernel.length / 8;
    (convFilter.data as number[]).forEach((q, i) => expect(Math.fround(q * convFilter.quant!.scale[Math.floor(i / per)])).toBeCloseTo(kernel[i], 7));
    // Activations: the learned range's TFLite parameters.
    const firstName = qat.model.layers[0].name;
    const t = graph.tensors.find((x) => x.name === firstName && !x.data) as (typeof graph.tensors)[number];
    const [lo, hi] = qat.activationRanges[firstName];
    expect(t.quant!.scale[0]).toBe(activationParams(lo, hi).scale);
    // The integer interpreter agrees with the simulated (fake-quant) model to within 2 points.
    const int8 = evaluateQuantized(graph, mnist.test.images, mnist.test.labels).accuracy;
    console.log(`QAT 4-bit weights / 8-bit activations: simulated ${simulated}, int8 interpreter ${int8}`);
    expect(Math.abs(int8 - simulated)).toBeLessThanOrEqual(0.02);
    [qat.model, qat.trainingModel, model].forEach((m) => m.dispose());
  });
});
