// Measures how fast the active TensorFlow.js backend runs a model: inference and training samples per
// second. Notebook 00 uses it to show what "wasm" or "node" means in practice; the full benchmarks (many
// models, comparison with PyTorch) live in course-lib/bench.
import * as tf from "@tensorflow/tfjs";

export interface SpeedOptions {
  /** Samples per predict() call, default 256. */
  inferenceBatchSize?: number;
  /** Samples per training step, default 32 (a typical fit batch). */
  trainingBatchSize?: number;
  /** Keep repeating each measurement until this many seconds have passed, default 0.5. */
  minSeconds?: number;
}

export interface SpeedResult {
  /** tf.getBackend() while measuring. */
  backend: string;
  inferenceSamplesPerSecond: number;
  trainingSamplesPerSecond: number;
  /** Milliseconds per sample, the number a microcontroller person thinks in. */
  inferenceMsPerSample: number;
  trainingMsPerSample: number;
  inferenceBatchSize: number;
  trainingBatchSize: number;
  /** Total seconds spent measuring. */
  seconds: number;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}

/** Warms `step` up, then runs it until `minSeconds` have passed; returns seconds per call. */
async function timePerCall(step: () => Promise<void> | void, minSeconds: number): Promise<number> {
  // The first calls allocate buffers, build the training graph and let V8 optimise the JS kernels: they
  // are several times slower than the steady state a long training run sees, so they are not timed.
  const warmUpEnd = performance.now() + Math.min(250, minSeconds * 500);
  let warmUpCalls = 0;
  while (warmUpCalls < 3 || performance.now() < warmUpEnd) {
    await step();
    warmUpCalls++;
  }
  let calls = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    await step();
    calls++;
    elapsed = (performance.now() - start) / 1000;
  } while (elapsed < minSeconds);
  return elapsed / calls;
}

/**
 * Times predict() and training steps (trainOnBatch) of `model` on random inputs of `inputShape` (one
 * sample, without the batch dimension, e.g. [28, 28, 1]).
 *
 * Training steps change the model's weights and optimizer state: measure a throwaway copy of your
 * architecture, not the model you are about to train. The model must be compiled (it is trained).
 */
export async function measureSpeed(model: tf.LayersModel, inputShape: readonly number[], options: SpeedOptions = {}): Promise<SpeedResult> {
  const inferenceBatchSize = positiveInteger("inferenceBatchSize", options.inferenceBatchSize ?? 256);
  const trainingBatchSize = positiveInteger("trainingBatchSize", options.trainingBatchSize ?? 32);
  const minSeconds = checkMinSeconds(options.minSeconds ?? 0.5);
  checkInputShape(model, inputShape, "measureSpeed");
  if (!model.optimizer) {
    throw new Error("measureSpeed times training steps too, so the model must be compiled: call model.compile({ optimizer, loss }) first");
  }
  const outputShape = (model.outputs[0].shape.slice(1) as number[]);
  if (outputShape.some((d) => d === null)) throw new Error(`measureSpeed needs a model with a fixed output shape, got [${outputShape.join(", ")}]`);
  const numClasses = outputShape[outputShape.length - 1];

  const started = performance.now();
  const inference = await inferenceSpeed(model, inputShape, { batchSize: inferenceBatchSize, minSeconds });
  const trainInput = tf.randomUniform([trainingBatchSize, ...inputShape], 0, 1, "float32", 2);
  // One-hot targets work for the usual classifier losses; regression losses accept them too.
  const trainTarget = tf.tidy(() =>
    tf.oneHot(tf.randomUniform([trainingBatchSize], 0, numClasses, "int32", 3), numClasses).reshape([trainingBatchSize, ...outputShape]),
  );
  try {
    const trainingSeconds = await timePerCall(async () => {
      await model.trainOnBatch(trainInput, trainTarget);
    }, minSeconds);
    return {
      backend: tf.getBackend(),
      inferenceSamplesPerSecond: inference.samplesPerSecond,
      trainingSamplesPerSecond: trainingBatchSize / trainingSeconds,
      inferenceMsPerSample: inference.msPerSample,
      trainingMsPerSample: (trainingSeconds * 1000) / trainingBatchSize,
      inferenceBatchSize,
      trainingBatchSize,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    tf.dispose([trainInput, trainTarget]);
  }
}

function checkMinSeconds(minSeconds: number): number {
  if (!(minSeconds > 0)) throw new RangeError(`minSeconds must be a positive number, got ${minSeconds}`);
  return minSeconds;
}

function checkInputShape(model: tf.LayersModel, inputShape: readonly number[], fn: string): void {
  const expected = model.inputs[0].shape.slice(1);
  if (expected.length !== inputShape.length || expected.some((d, i) => d !== null && d !== inputShape[i])) {
    throw new RangeError(`${fn}: inputShape [${inputShape.join(", ")}] does not match the model's input [${expected.map((d) => d ?? "any").join(", ")}]`);
  }
}

export interface InferenceSpeed {
  samplesPerSecond: number;
  msPerSample: number;
  batchSize: number;
}

/**
 * Times predict() alone on random inputs of `inputShape` (no batch axis): unlike measureSpeed it does not
 * train, so the model's weights are untouched and it need not be compiled (e.g. to time a pruned model
 * against its parent).
 */
export async function inferenceSpeed(model: tf.LayersModel, inputShape: readonly number[], options: { batchSize?: number; minSeconds?: number } = {}): Promise<InferenceSpeed> {
  const batchSize = positiveInteger("batchSize", options.batchSize ?? 256);
  const minSeconds = checkMinSeconds(options.minSeconds ?? 0.5);
  checkInputShape(model, inputShape, "inferenceSpeed");
  const input = tf.randomUniform([batchSize, ...inputShape], 0, 1, "float32", 1);
  try {
    const seconds = await timePerCall(() => {
      tf.tidy(() => {
        // dataSync waits for the result, so asynchronous backends are timed end to end.
        (model.predict(input) as tf.Tensor).dataSync();
      });
    }, minSeconds);
    return { samplesPerSecond: batchSize / seconds, msPerSample: (seconds * 1000) / batchSize, batchSize };
  } finally {
    input.dispose();
  }
}
