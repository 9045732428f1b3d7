// modelSizes on lesson 00's tiny CNN, whose sizes are known by hand from its architecture
// (conv 3×3 1→8, 8→16, 16→16, dense 144→10), and the claim the table rests on: sizes do not depend on the
// weight values (two different initialisations give identical rows).
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { lesson00TinyCnn, type LessonModel } from "./lesson-models";
import { formatSizeTable, modelSizes } from "./size-report";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

const tinyCnn = (seed: number): LessonModel => ({
  name: `tiny CNN seed ${seed}`, lesson: "00", inputShape: [28, 28, 1], calibrationSource: "uniform [0, 1)",
  build: () => lesson00TinyCnn(seed),
  calibration: async (count = 16) => tf.randomUniform([count, 28, 28, 1], 0, 1, "float32", seed),
});

describe("modelSizes", () => {
  it("lesson 00's tiny CNN: float32 = 4·params, int8 weights and biases as counted by hand, .tflite larger", async () => {
    const [a, b] = await modelSizes([tinyCnn(1), tinyCnn(7)], { calibrationCount: 8 });
    const weights = 9 * 1 * 8 + 9 * 8 * 16 + 9 * 16 * 16 + 144 * 10;
    const biases = 8 + 16 + 16 + 10;
    expect(a.params).toBe(weights + biases);
    expect(a.float32Bytes).toBe(4 * a.params);
    expect(a.weightsBytes).toBe(weights);
    expect(a.biasBytes).toBe(4 * biases);
    // Per-channel conv weights and biases alone carry 2·40 scale/zero-point pairs (8 B each).
    expect(a.int8GraphFlash).toBeGreaterThanOrEqual(weights + 4 * biases + 8 * 80);
    expect(a.tfliteBytes).toBeGreaterThan(a.weightsBytes + a.biasBytes);
    expect(a.estimate.float32Flash).toBe(a.float32Bytes); // no BN to fold
    // The largest live set: conv1's 28×28×8 output and the 14×14×8 max-pool output made from it (the
    // 28×28×1 input is dead once conv1 has run).
    expect(a.activationPeak).toBe(Math.max(784 + 28 * 28 * 8, 28 * 28 * 8 + 14 * 14 * 8));
    // Sizes do not depend on the weights.
    expect({ ...b, model: a.model }).toEqual(a);
    const table = formatSizeTable([a]);
    expect(table).toContain("| tiny CNN seed 1 | 5,018 | 20,072 |");
    expect(table).toMatch(/Untrained weights/);
  }, 15_000);

  it("names the model when one cannot be quantized", async () => {
    const rnn: LessonModel = { ...tinyCnn(1), name: "an RNN", inputShape: [5, 3],
      build: () => tf.sequential({ layers: [tf.layers.simpleRNN({ inputShape: [5, 3], units: 4, name: "rnn" })] }),
      calibration: async () => tf.zeros([2, 5, 3]) };
    await expect(modelSizes([rnn])).rejects.toThrow(/lesson model "an RNN": .*"rnn"/);
  });
});
