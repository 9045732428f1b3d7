// Scores a classifier on labelled data and keeps the per-sample predictions for plots and confusion
// matrices. Predicts in batches inside tf.tidy so evaluating thousands of images does not hold them all
// as intermediate tensors at once.
import * as tf from "@tensorflow/tfjs";
import { accuracy } from "./metrics";
import type { LabelledData } from "./fit";

export interface Evaluation {
  /** Fraction of samples whose highest-scoring class is the true class. */
  accuracy: number;
  /** The predicted class of each sample. */
  predicted: Int32Array;
  /** The true class of each sample (argmax of the one-hot labels). */
  actual: Int32Array;
  /** Model outputs, samples x numClasses, row-major (e.g. softmax probabilities). */
  scores: Float32Array;
  numClasses: number;
  /** Row i of `scores`. */
  scoresOf(i: number): Float32Array;
}

/** Runs the model over `data` in batches of `batchSize` (default 256) and scores its predictions. */
export function evaluate(model: tf.LayersModel, data: LabelledData, options: { batchSize?: number } = {}): Evaluation {
  const batchSize = options.batchSize ?? 256;
  if (!Number.isInteger(batchSize) || batchSize <= 0) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  const n = data.images.shape[0];
  if (n !== data.labels.shape[0]) {
    throw new RangeError(`evaluate: images has ${n} samples but labels has ${data.labels.shape[0]}; they must match`);
  }
  if (!n) throw new RangeError("evaluate: the data has no samples");
  const numClasses = data.labels.shape[data.labels.rank - 1];
  const scores = new Float32Array(n * numClasses);
  for (let start = 0; start < n; start += batchSize) {
    const size = Math.min(batchSize, n - start);
    const batchScores = tf.tidy(() => {
      const x = data.images.slice(start, size);
      const y = model.predict(x) as tf.Tensor;
      if (y.shape[y.rank - 1] !== numClasses) {
        throw new RangeError(`evaluate: the model outputs ${y.shape[y.rank - 1]} scores per sample but the labels have ${numClasses} classes`);
      }
      return y.dataSync() as Float32Array;
    });
    scores.set(batchScores, start * numClasses);
  }
  const actual = tf.tidy(() => tf.argMax(data.labels, -1).dataSync() as Int32Array);
  const predicted = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < numClasses; c++) if (scores[i * numClasses + c] > scores[i * numClasses + best]) best = c;
    predicted[i] = best;
  }
  return {
    accuracy: accuracy(predicted, actual),
    predicted,
    actual: Int32Array.from(actual),
    scores,
    numClasses,
    scoresOf: (i: number) => scores.subarray(i * numClasses, (i + 1) * numClasses),
  };
}
