// What the streaming tests share: a small keyword CNN on [49, 40, 1] log-mel (or [49, 10, 1] MFCC) with a
// softmax, seeded, trained for a few seconds on the shipped keyword features and quantized on a few of
// them, and test clips from the shipped raw audio. The point is a real int8 model of the right shape for the
// streaming firmware, not accuracy.
import * as tf from "@tensorflow/tfjs";
import { KEYWORD_CLASSES, keywordTrainStats, loadKeywordAudio, loadKeywords, type KeywordFeatures } from "../data/keywords";
import { withSeededRandomAsync } from "../nets/seeded";
import type { QuantizedGraph } from "../quantize/graph";
import { quantizeModel } from "../quantize/quantize-model";

export interface StreamingTestModel {
  graph: QuantizedGraph;
  normalization: { mean: number[]; std: number[] };
}

/**
 * conv 3×3 stride 2 (8) → depthwise 3×3 stride 2 → pointwise (16) → max over time (13 × 2 pools) → dense 12 →
 * softmax: 1.3 k weights and a ~6 kB arena, so it fits a 16 kB-RAM board next to the front end. Six epochs
 * on the train split (about 3 s) reach about 65 % test accuracy: enough for keywords to be detected.
 */
export async function streamingTestModel(features: KeywordFeatures = "logmel", options: { epochs?: number; seed?: number } = {}): Promise<StreamingTestModel> {
  const width = features === "mfcc" ? 10 : 40;
  const train = await loadKeywords({ split: "train", features, seed: 3 });
  try {
    const model = await withSeededRandomAsync(options.seed ?? 11, async () => {
      const m = tf.sequential({ name: `streaming test CNN (${features})` });
      m.add(tf.layers.conv2d({ inputShape: [49, width, 1], filters: 8, kernelSize: 3, strides: 2, padding: "same", activation: "relu" }));
      m.add(tf.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: "same", activation: "relu" }));
      m.add(tf.layers.conv2d({ filters: 16, kernelSize: 1, activation: "relu" }));
      m.add(tf.layers.maxPooling2d({ poolSize: [13, 2], strides: [13, 2] }));
      m.add(tf.layers.flatten());
      m.add(tf.layers.dense({ units: KEYWORD_CLASSES.length, activation: "softmax" }));
      m.compile({ optimizer: tf.train.adam(0.01), loss: "categoricalCrossentropy" });
      await m.fit(train.inputs, train.labels, { epochs: options.epochs ?? 6, batchSize: 32, verbose: 0 });
      return m;
    });
    const calibration = train.inputs.slice([0, 0, 0, 0], [64, -1, -1, -1]);
    const graph = quantizeModel(model, { calibration, progress: false, name: model.name });
    calibration.dispose();
    model.dispose();
    return { graph, normalization: keywordTrainStats(features) };
  } finally {
    train.inputs.dispose();
    train.labels.dispose();
  }
}

/** `count` shipped test clips (int16), one per class in `classes` order, with their labels. */
export async function streamingTestClips(classes: string[]): Promise<{ clips: Int16Array[]; labels: number[] }> {
  const audio = await loadKeywordAudio({ split: "test", normalize: false, shuffle: false });
  try {
    const data = audio.inputs.dataSync() as Float32Array;
    const labels = classes.map((name) => {
      const k = KEYWORD_CLASSES.indexOf(name);
      if (k < 0) throw new RangeError(`streamingTestClips: ${JSON.stringify(name)} is not a keyword class (${KEYWORD_CLASSES.join(", ")})`);
      return k;
    });
    const clips = labels.map((k) => {
      const i = audio.classIndices.indexOf(k);
      return Int16Array.from(data.subarray(i * 16000, (i + 1) * 16000));
    });
    return { clips, labels };
  } finally {
    audio.inputs.dispose();
    audio.labels.dispose();
  }
}
