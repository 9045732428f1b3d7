// A small, readable training loop: model.fit with a live progress display and a reproducible shuffle.
//
// tf.js's own `shuffle: true` uses Math.random, so two runs of the same notebook would train on batches in
// a different order and print different accuracies. Here each epoch's order comes from a seeded
// permutation (course-lib/data/random.ts), and we call model.fit one epoch at a time on the reordered data.
// Together with seeded weight initialisers, a notebook gives the same numbers on every run of a backend.
import * as tf from "@tensorflow/tfjs";
import { seededPermutation } from "../data/random";
import type { DisplayTarget } from "../viz/display";
import { trainingProgress, type EpochRecord } from "../viz/progress";

/** Inputs and one-hot targets (an MnistSplit fits). */
export interface LabelledData {
  images: tf.Tensor;
  labels: tf.Tensor;
}

export type { EpochRecord };

export interface FitOptions {
  epochs: number;
  /** Samples per gradient step, default 32. */
  batchSize?: number;
  /** Data scored after every epoch (not trained on), e.g. mnist.validation. */
  validation?: LabelledData;
  /** Seed of the per-epoch shuffle, default 0. */
  seed?: number;
  /** Heading of the progress display. */
  title?: string;
  /**
   * Called after every gradient step (after the optimizer has updated the weights), before the next
   * batch; quantization-aware training (course-lib/quantize/qat.ts) uses it to re-quantize the weights.
   */
  onBatchEnd?: (batch: number) => void | Promise<void>;
  /**
   * Where the progress goes: the notebook (default), another DisplayTarget, or false for none, when a study
   * runs many short fits under one progress bar of its own (e.g. course-lib/compress/distill/study.ts).
   */
  display?: DisplayTarget | false;
}

/** A display target that shows nothing. */
const SILENT: DisplayTarget = { kind: "capture", show() {}, update() {} };

export interface FitResult {
  /** One record per epoch: loss, accuracy, validation loss/accuracy, seconds since start. */
  history: EpochRecord[];
  /** Wall-clock seconds of the whole fit, including validation. */
  seconds: number;
  /** Training samples processed per second (epochs x samples / seconds). */
  samplesPerSecond: number;
}

function checkPositiveInteger(name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
  }
  return value;
}

function checkData(name: string, data: LabelledData): number {
  if (!data || !(data.images instanceof tf.Tensor) || !(data.labels instanceof tf.Tensor)) {
    throw new TypeError(`${name} must be { images: tf.Tensor, labels: tf.Tensor } (e.g. mnist.${name})`);
  }
  const n = data.images.shape[0], m = data.labels.shape[0];
  if (n !== m) throw new RangeError(`${name}: images has ${n} samples but labels has ${m}; they must match`);
  if (!n) throw new RangeError(`${name} has no samples`);
  return n;
}

/**
 * Trains a compiled model for `epochs` epochs, showing live progress (epoch, loss, accuracy, time), and
 * returns the per-epoch history. The model must already be compiled with an optimizer, a loss and
 * metrics: ["accuracy"] if you want accuracy reported.
 */
export async function fitWithProgress(model: tf.LayersModel, train: LabelledData, options: FitOptions): Promise<FitResult> {
  const epochs = checkPositiveInteger("epochs", options.epochs);
  const batchSize = checkPositiveInteger("batchSize", options.batchSize ?? 32);
  const seed = options.seed ?? 0;
  const samples = checkData("train", train);
  if (options.validation) checkData("validation", options.validation);
  if (!model.optimizer) {
    throw new Error("fitWithProgress needs a compiled model: call model.compile({ optimizer, loss, metrics }) first");
  }

  const target = options.display === false ? SILENT : options.display;
  const progress = trainingProgress({ epochs, title: options.title, batchesPerEpoch: Math.ceil(samples / batchSize), target });
  const cb = progress.callbacks;
  const started = performance.now();
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      // A different, reproducible order every epoch: seed + epoch.
      const order = tf.tensor1d(seededPermutation(samples, (seed + epoch) >>> 0), "int32");
      const xs = tf.gather(train.images, order);
      const ys = tf.gather(train.labels, order);
      order.dispose();
      try {
        await model.fit(xs, ys, {
          // initialEpoch makes tf.js number this epoch correctly in the callbacks and logs.
          epochs: epoch + 1,
          initialEpoch: epoch,
          batchSize,
          shuffle: false,
          validationData: options.validation ? [options.validation.images, options.validation.labels] : undefined,
          verbose: 0,
          callbacks: {
            // Train begin/end belong to the whole run, not to each one-epoch fit call.
            onTrainBegin: epoch === 0 ? cb.onTrainBegin : undefined,
            onEpochBegin: cb.onEpochBegin,
            onBatchEnd: options.onBatchEnd
              ? async (batch, logs) => {
                  await options.onBatchEnd!(batch);
                  await cb.onBatchEnd(batch, logs);
                }
              : cb.onBatchEnd,
            onEpochEnd: cb.onEpochEnd,
          },
        });
      } finally {
        xs.dispose();
        ys.dispose();
      }
    }
  } finally {
    // Close the display even when training fails, so it does not look like it is still running.
    cb.onTrainEnd();
  }
  const seconds = (performance.now() - started) / 1000;
  return { history: progress.history, seconds, samplesPerSecond: (epochs * samples) / seconds };
}
