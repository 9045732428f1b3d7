// Unit tests for the training helpers: metrics (also lesson 00's reference implementations),
// fitWithProgress, evaluate and measureSpeed. Tiny dense models on the cpu backend keep them fast; the
// wasm training kernels are tested in course-lib/runtime.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { accuracy, argmax, confusionMatrix, decodePrediction, modelSizeKB } from "./metrics";
import { fitWithProgress } from "./fit";
import { evaluate } from "./evaluate";
import { measureSpeed } from "./speed";
import { createCaptureTarget, setDefaultDisplayTarget } from "../viz/display";

describe("metrics", () => {
  it("modelSizeKB counts 1024-byte kilobytes", () => {
    expect(modelSizeKB(1024, 4)).toBe(4);
    expect(modelSizeKB(5018, 1)).toBeCloseTo(4.900390625, 12);
    expect(modelSizeKB(0, 4)).toBe(0);
    expect(() => modelSizeKB(-1, 4)).toThrow(/parameterCount.*-1/);
    expect(() => modelSizeKB(2.5, 4)).toThrow(/parameterCount.*2\.5/);
    expect(() => modelSizeKB(10, 0)).toThrow(/bytesPerParameter.*0/);
  });

  it("accuracy compares position by position and rejects bad input", () => {
    expect(accuracy([1, 2, 3, 4], [1, 2, 0, 4])).toBe(0.75);
    expect(accuracy(Int32Array.from([1, 1]), Int32Array.from([0, 0]))).toBe(0);
    expect(() => accuracy([], [])).toThrow(/empty/);
    expect(() => accuracy([1, 2, 3], [1, 2])).toThrow(/length 3.*length 2/);
  });

  it("confusionMatrix puts true classes in rows", () => {
    expect(confusionMatrix([0, 1, 1, 2], [0, 1, 2, 2], 3)).toEqual([
      [1, 0, 0],
      [0, 1, 0],
      [0, 1, 1],
    ]);
    expect(() => confusionMatrix([0, 5], [0, 1], 3)).toThrow(/predicted\[1\] = 5/);
  });

  it("argmax and decodePrediction pick the first maximum, also for negative scores", () => {
    expect(argmax([-3, -1, -1, -2])).toBe(1);
    expect(() => argmax([])).toThrow(/empty/);
    expect(decodePrediction([0.1, 0.7, 0.2], ["a", "b", "c"])).toEqual({ classIndex: 1, className: "b", confidence: 0.7 });
    expect(() => decodePrediction([0.1, 0.9], ["a", "b", "c"])).toThrow(/length 2.*length 3/);
    expect(() => decodePrediction([], [])).toThrow(/empty/);
    expect(() => decodePrediction([NaN, 1], ["a", "b"])).toThrow(/NaN/);
  });

});

describe("training helpers (cpu backend, tiny model)", () => {
  const capture = createCaptureTarget();
  let data: { images: tf.Tensor; labels: tf.Tensor };

  function tinyModel(seed: number): tf.LayersModel {
    const model = tf.sequential();
    model.add(tf.layers.dense({ inputShape: [4], units: 8, activation: "relu", kernelInitializer: tf.initializers.glorotUniform({ seed }) }));
    model.add(tf.layers.dense({ units: 2, activation: "softmax", kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }));
    model.compile({ optimizer: tf.train.adam(0.05), loss: "categoricalCrossentropy", metrics: ["accuracy"] });
    return model;
  }

  beforeAll(async () => {
    await tf.setBackend("cpu");
    setDefaultDisplayTarget(capture);
    // A linearly separable toy problem: class 1 when the first feature is positive.
    const n = 128;
    const x = new Float32Array(n * 4);
    const y = new Float32Array(n * 2);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < 4; j++) x[i * 4 + j] = Math.sin(i * 12.9898 + j * 78.233) ;
      y[i * 2 + (x[i * 4] > 0 ? 1 : 0)] = 1;
    }
    data = { images: tf.tensor2d(x, [n, 4]), labels: tf.tensor2d(y, [n, 2]) };
  });

  afterAll(() => {
    setDefaultDisplayTarget(undefined);
    tf.dispose([data.images, data.labels]);
  });

  it("fitWithProgress trains, reports every epoch and shows progress", async () => {
    const model = tinyModel(1);
    const before = capture.messages.length;
    const result = await fitWithProgress(model, data, { epochs: 4, batchSize: 16, validation: data, seed: 3 });
    expect(result.history.map((h) => h.epoch)).toEqual([1, 2, 3, 4]);
    expect(result.history[3].loss).toBeLessThan(result.history[0].loss);
    expect(result.history[3].valAcc).toBeGreaterThan(0.8);
    expect(result.seconds).toBeGreaterThan(0);
    expect(capture.messages.length).toBeGreaterThan(before);
    expect(evaluate(model, data).accuracy).toBeGreaterThan(0.8);
    model.dispose();
  });

  it("fitWithProgress is reproducible for a seed", async () => {
    const a = tinyModel(7), b = tinyModel(7);
    const ra = await fitWithProgress(a, data, { epochs: 2, batchSize: 16, seed: 5 });
    const rb = await fitWithProgress(b, data, { epochs: 2, batchSize: 16, seed: 5 });
    expect(rb.history.map((h) => h.loss)).toEqual(ra.history.map((h) => h.loss));
    a.dispose();
    b.dispose();
  });

  it("fitWithProgress shows nothing with display: false and uses a given target", async () => {
    const model = tinyModel(3);
    const before = capture.messages.length;
    const silent = await fitWithProgress(model, data, { epochs: 2, batchSize: 16, display: false });
    expect(silent.history).toHaveLength(2);
    expect(capture.messages.length).toBe(before);
    const own = createCaptureTarget();
    await fitWithProgress(model, data, { epochs: 1, batchSize: 16, display: own, title: "own target" });
    expect(capture.messages.length).toBe(before);
    expect(own.messages.some((m) => JSON.stringify(m).includes("own target"))).toBe(true);
    model.dispose();
  });

  it("fitWithProgress rejects bad arguments clearly", async () => {
    const model = tinyModel(1);
    await expect(fitWithProgress(model, data, { epochs: 0 })).rejects.toThrow(/epochs.*0/);
    await expect(fitWithProgress(model, data, { epochs: 1, batchSize: 2.5 })).rejects.toThrow(/batchSize.*2\.5/);
    const short = { images: data.images, labels: data.labels.slice(0, 10) };
    await expect(fitWithProgress(model, short, { epochs: 1 })).rejects.toThrow(/128 samples but labels has 10/);
    const uncompiled = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 2 })] });
    await expect(fitWithProgress(uncompiled, data, { epochs: 1 })).rejects.toThrow(/compile/);
    model.dispose();
    uncompiled.dispose();
  });

  it("evaluate returns per-sample predictions that agree with its accuracy", () => {
    const model = tinyModel(2);
    const ev = evaluate(model, data, { batchSize: 50 });
    expect(ev.predicted.length).toBe(128);
    expect(ev.scores.length).toBe(256);
    expect(ev.accuracy).toBe(accuracy(ev.predicted, ev.actual));
    expect(argmax(ev.scoresOf(5))).toBe(ev.predicted[5]);
    model.dispose();
  });

  it("evaluate does not leak tensors", () => {
    const model = tinyModel(2);
    const before = tf.memory().numTensors;
    evaluate(model, data, { batchSize: 30 });
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it("measureSpeed reports positive rates and checks the input shape", async () => {
    const model = tinyModel(4);
    const speed = await measureSpeed(model, [4], { minSeconds: 0.05, inferenceBatchSize: 64, trainingBatchSize: 8 });
    expect(speed.backend).toBe("cpu");
    expect(speed.inferenceSamplesPerSecond).toBeGreaterThan(0);
    expect(speed.trainingSamplesPerSecond).toBeGreaterThan(0);
    expect(speed.inferenceMsPerSample).toBeCloseTo(1000 / speed.inferenceSamplesPerSecond, 6);
    await expect(measureSpeed(model, [5])).rejects.toThrow(/\[5\].*\[4\]/);
    model.dispose();
  });
});
