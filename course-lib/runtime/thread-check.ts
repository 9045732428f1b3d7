// Child process of threads.test.ts (also handy by hand): trains the three bench models for a few Adam steps
// from fixed weights and data on the wasm backend with COURSE_THREADS as given, and prints
// `THREAD_CHECK {json}` with the thread count, the backend's detail line and every loss. Same thread count →
// same losses, bit for bit; the test also compares one thread with two. With --one-thread the process drops
// to one thread (useOneThread, as lesson 02's operator timings do) before training.
//   COURSE_THREADS=2 npx tsx course-lib/runtime/thread-check.ts [steps] [--one-thread]
import * as tf from "@tensorflow/tfjs";
import { initBackend, useOneThread } from "./backend";
import { BENCH_MODEL_NAMES, BENCH_MODELS } from "../bench/models";
import { randomValues } from "./kernel-check";
import { trainingStep } from "./step-profile";

/**
 * Fixed values for one weight, by its role (the initializers draw from an unseeded generator): kernels
 * scaled like a fan-in init; BatchNorm's gamma and moving variance near 1 (a variance must stay positive);
 * biases, beta and the moving mean near 0.
 */
function fixedWeight(shape: number[], name: string, seed: number): tf.Tensor {
  const v = randomValues(tf.util.sizeFromShape(shape), seed);
  if (shape.length > 1) {
    const fanIn = shape.slice(0, -1).reduce((a, b) => a * b, 1);
    return tf.tensor(v.map((x) => x / Math.sqrt(fanIn)), shape);
  }
  const role = name.split("/").pop();
  const nearOne = role === "gamma" || role === "moving_variance";
  return tf.tensor(v.map((x) => (nearOne ? 1 + 0.1 * x : 0.1 * x)), shape);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const oneThread = args.includes("--one-thread");
  const stepsArg = args.find((a) => !a.startsWith("--")) ?? "3";
  const steps = Number(stepsArg);
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`steps must be a positive integer, got ${stepsArg}`);
  let info = await initBackend({ backend: "wasm" });
  if (oneThread) info = useOneThread("thread-check --one-thread") ?? info;
  const losses: Record<string, number[]> = {};
  for (const name of BENCH_MODEL_NAMES) {
    const spec = BENCH_MODELS[name];
    const model = spec.build({ head: "logits" });
    const names = model.weights.map((w) => w.originalName);
    model.setWeights(model.getWeights().map((w, i) => fixedWeight(w.shape, names[i], 100 + i)));
    const batch = spec.trainBatch;
    const x = tf.tensor(randomValues(batch * spec.inputShape.reduce((a, b) => a * b, 1), 7), [batch, ...spec.inputShape]);
    const labels = tf.oneHot(tf.tensor1d(Array.from({ length: batch }, (_, i) => (i * 7) % spec.numClasses), "int32"), spec.numClasses);
    const optimizer = tf.train.adam(1e-2);
    losses[name] = [];
    for (let s = 0; s < steps; s++) {
      const loss = trainingStep(model, optimizer, x, labels, true)!;
      losses[name].push(loss.dataSync()[0]);
      loss.dispose();
    }
    tf.dispose([x, labels]);
    optimizer.dispose();
    model.dispose();
  }
  process.stdout.write(`THREAD_CHECK ${JSON.stringify({ threads: info.threads, detail: info.detail, losses })}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
