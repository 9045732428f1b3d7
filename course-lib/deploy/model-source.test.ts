// loadDeployModel: each kind of --model spec gives the graph its source implies. A model.json saved from a
// small tfjs model must come back with its weights (the int8 graph follows tfjs's own float predict); a
// builtin is the lesson model of lesson 08; a .tflite is what readTflite reads (and TFLM's golden outputs
// follow from it: tflm-golden.test.ts, and cli.test.ts on the board). Dataset calibration draws its test
// inputs from the test split (each one is an exact quantized test example); random calibration is seeded.
import * as tf from "@tensorflow/tfjs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadMnist } from "../data/mnist";
import { saveLayersModelToDir } from "../profiler/model-files";
import { runQuantized } from "../quantize/interpreter";
import { dequantizeOutput, quantizeInput } from "../quantize/quantize-model";
import { TFLITE_FIXTURES_DIR } from "../quantize/tflite/fixtures";
import { builtinNames, CALIBRATION_DATASETS, loadDeployModel, parseCalibration, randomCalibration } from "./model-source";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

/** A small seeded dense model on 6 inputs. */
function tinyDense(): tf.LayersModel {
  return tf.sequential({
    name: "tiny_dense",
    layers: [
      tf.layers.dense({ inputShape: [6], units: 8, activation: "relu", kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }), biasInitializer: tf.initializers.randomUniform({ minval: -0.2, maxval: 0.2, seed: 4 }) }),
      tf.layers.dense({ units: 3, kernelInitializer: tf.initializers.glorotUniform({ seed: 5 }) }),
    ],
  });
}

describe("parseCalibration", () => {
  it("takes a course dataset or random:<N>[:<lo>,<hi>], and names the valid forms otherwise", () => {
    expect(parseCalibration("digits")).toEqual({ kind: "dataset", dataset: "digits" });
    expect(parseCalibration("random:64")).toEqual({ kind: "random", count: 64, range: [-1, 1] });
    expect(parseCalibration("random:8:0,1")).toEqual({ kind: "random", count: 8, range: [0, 1] });
    expect(parseCalibration("random:8:-2.5,0.5")).toEqual({ kind: "random", count: 8, range: [-2.5, 0.5] });
    expect(() => parseCalibration("mnist")).toThrow(/unknown calibration "mnist"; expected a dataset \(digits, fashion, keywords, keywords-mfcc, motion, motion-statistics\) or "random:<N>"/);
    expect(() => parseCalibration("random:")).toThrow(/expected "random:<N>"/);
    expect(() => parseCalibration("random:0")).toThrow(/N must be 1\.\.10000, got 0/);
    expect(() => parseCalibration("random:4:1,1")).toThrow(/lo must be below hi/);
  });

  it("random calibration is seeded mulberry32 uniform in the range", () => {
    const a = randomCalibration([2, 3], 50, [0, 2]);
    const b = randomCalibration([2, 3], 50, [0, 2]);
    expect(a.shape).toEqual([50, 2, 3]);
    const values = Array.from(a.dataSync());
    expect(values).toEqual(Array.from(b.dataSync()));
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(2);
    expect(values.reduce((s, v) => s + v, 0) / values.length).toBeCloseTo(1, 1);
    expect(Array.from(randomCalibration([2, 3], 50, [0, 2], 2).dataSync())).not.toEqual(values);
    tf.dispose([a, b]);
  });
});

describe("loadDeployModel", () => {
  it("a model.json written by model.save() comes back with its weights: the int8 graph follows tfjs's float output", async () => {
    const model = tinyDense();
    const dir = join(mkdtempSync(join(tmpdir(), "deploy-model-")), "my-dense");
    const file = await saveLayersModelToDir(model, dir);
    const loaded = await loadDeployModel(file, { calibration: "random:64:-1,1" });
    expect(loaded.name).toBe("my-dense");
    expect(loaded.graph.name).toBe("my-dense");
    expect(loaded.graph.operators.map((o) => o.kind)).toEqual(["fullyConnected", "fullyConnected"]);
    expect(loaded.description).toMatch(/tfjs model .*model\.json, quantized by quantizeModel on 64 seeded uniform inputs in \[-1,1\]/);
    // Against tfjs itself: dequantized int8 outputs within a few output steps of the float model's.
    const x = randomCalibration([6], 16, [-1, 1], 9);
    const floats = (model.predict(x) as tf.Tensor).dataSync();
    const scale = loaded.graph.tensors[loaded.graph.outputs[0]].quant!.scale[0];
    for (let n = 0; n < 16; n++) {
      const q = runQuantized(loaded.graph, quantizeInput(loaded.graph, x.slice(n, 1).dataSync()));
      const y = dequantizeOutput(loaded.graph, q);
      for (let j = 0; j < 3; j++) expect(Math.abs(y[j] - floats[n * 3 + j])).toBeLessThan(4 * scale);
    }
    // Test inputs with random calibration: seeded uniform int8.
    expect(loaded.testInputs).toBe("seeded uniform int8 values");
    const inputs = loaded.sampleInputs(5, 1);
    expect(inputs.map((v) => v.length)).toEqual([6, 6, 6, 6, 6]);
    expect(loaded.sampleInputs(5, 1)).toEqual(inputs);
    expect(loaded.sampleInputs(5, 2)).not.toEqual(inputs);
    await expect(loadDeployModel(file)).rejects.toThrow(/is a float model: give --calibration <dataset> \(digits, .*\) or "random:<N>"/);
    await expect(loadDeployModel(file, { calibration: "digits" })).rejects.toThrow(/--calibration digits gives inputs of shape \[28,28,1\]; the model takes \[6\]/);
    x.dispose();
    model.dispose();
  });

  it("dataset calibration: test inputs are quantized examples of the dataset's test split, chosen by seed", async () => {
    const model = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [28, 28, 1] }), tf.layers.dense({ units: 10, activation: "softmax", kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) })] });
    const dir = join(mkdtempSync(join(tmpdir(), "deploy-model-")), "digits-dense");
    const loaded = await loadDeployModel(await saveLayersModelToDir(model, dir), { calibration: "digits" });
    expect(loaded.description).toMatch(/200 train examples of digits \(MNIST digits/);
    expect(loaded.testInputs).toBe("examples of the digits test split");
    const mnist = loadMnist({ seed: 42 });
    const testImages = mnist.test.images.dataSync() as Float32Array;
    const trainImages = mnist.train.images.slice(0, 256).dataSync() as Float32Array;
    const quantized = (pixels: Float32Array, n: number) => Array.from({ length: n }, (_, k) => quantizeInput(loaded.graph, pixels.subarray(k * 784, (k + 1) * 784)).join());
    const testSet = new Set(quantized(testImages, mnist.test.size));
    const trainSet = new Set(quantized(trainImages, 256));
    const inputs = loaded.sampleInputs(6, 3);
    for (const x of inputs) {
      expect(testSet.has(x.join())).toBe(true);
      expect(trainSet.has(x.join())).toBe(false);
    }
    expect(new Set(inputs.map((x) => x.join())).size).toBe(6);
    expect(loaded.sampleInputs(6, 3)).toEqual(inputs);
    expect(() => loaded.sampleInputs(257, 1)).toThrow(/the digits test split gives 1\.\.256/);
    mnist.dispose();
    model.dispose();
  });

  it("builtin:<name> is a lesson model of lessonModels(), by slug or exact name; `builtin` lists them", async () => {
    const names = builtinNames();
    expect(names.length).toBeGreaterThanOrEqual(15);
    expect(new Set(names.map((n) => n.spec)).size).toBe(names.length);
    expect(names.every((n) => /^builtin:[a-z0-9.-]+$/.test(n.spec))).toBe(true);
    await expect(loadDeployModel("builtin")).rejects.toThrow(/--model builtin needs a name; expected one of: builtin:lesson00-tiny-cnn-mnist, builtin:lesson02-three-convs-skip/);
    await expect(loadDeployModel("builtin:nope")).rejects.toThrow(/no builtin model "nope"; expected one of: builtin:lesson00/);
    const bySlug = await loadDeployModel("builtin:lesson02-three-convs-skip");
    expect(bySlug.name).toBe("lesson02-three-convs-skip");
    expect(bySlug.graph.operators.map((o) => o.kind)).toEqual(["conv2d", "conv2d", "conv2d", "add"]);
    expect(bySlug.description).toMatch(/lesson model "lesson02 three convs \+ skip".*32 of seeded N\(0, 1\), seed 21/);
    // By exact name, and with --calibration instead of the lesson's batch: the same weights, other ranges.
    const calibrated = await loadDeployModel("builtin:lesson02 three convs + skip", { calibration: "random:8" });
    expect(calibrated.name).toBe(bySlug.name);
    const weights = (g: typeof bySlug.graph) => g.tensors.filter((t) => t.dtype === "int8" && t.data).map((t) => t.data);
    expect(weights(calibrated.graph)).toEqual(weights(bySlug.graph));
    expect(calibrated.description).toMatch(/8 seeded uniform inputs in \[-1,1\]/);
    expect(calibrated.description).not.toMatch(/liveBatchNorms/); // no batch norm to give statistics to
    // An untrained PhiNet: its batch norms get live statistics, so the interpreter runs it (see liveBatchNorms).
    const phinet = await loadDeployModel("builtin:lesson03-phinet-a-0.25-mnist");
    expect(phinet.description).toMatch(/batch norms given their input's statistics \(liveBatchNorms\), quantized by quantizeModel on 32 of MNIST train digits/);
    expect(runQuantized(phinet.graph, phinet.sampleInputs(1, 1)[0]).length).toBe(10);
  }, 60_000);

  it("an int8 .tflite is read with readTflite, refuses calibration, and gets seeded uniform int8 test inputs", async () => {
    const file = join(TFLITE_FIXTURES_DIR, "hello_world_int8.tflite");
    const loaded = await loadDeployModel(file);
    expect(loaded.name).toBe("hello-world-int8");
    expect(loaded.graph.operators.map((o) => o.kind)).toEqual(["fullyConnected", "fullyConnected", "fullyConnected"]);
    expect(loaded.sampleInputs(4, 1).every((x) => x.length === 1)).toBe(true);
    await expect(loadDeployModel(file, { calibration: "random:8" })).rejects.toThrow(/does not apply to .*hello_world_int8\.tflite: a \.tflite model is already quantized/);
    await expect(loadDeployModel("/no/such.tflite")).rejects.toThrow(/model file not found: \/no\/such\.tflite/);
    await expect(loadDeployModel("model.onnx")).rejects.toThrow(/--model "model\.onnx": expected a tfjs model\.json, builtin:<name> .* or an int8 \.tflite file/);
  });

  it("every calibration dataset declares the example shape its loader gives", async () => {
    // The fast loaders only (motion reads CSVs for seconds; its shapes are checked by the motion tests).
    for (const name of ["digits", "fashion", "keywords", "keywords-mfcc"]) {
      const x = await CALIBRATION_DATASETS[name].load("test", 3);
      expect(x.shape, name).toEqual([3, ...CALIBRATION_DATASETS[name].exampleShape]);
      x.dispose();
    }
  }, 30_000);
});
