// Child process of threads.test.ts (also handy by hand): trains the bench and LeNet models for a few Adam
// steps from fixed weights and data on the wasm backend with COURSE_THREADS as given, and prints
// `THREAD_CHECK {json}` with the thread count and every loss. Same thread count → same losses, bit for bit;
// the test also compares one thread with two.
//   COURSE_THREADS=2 npx tsx course-lib/runtime/thread-check.ts [steps]
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "./backend";
import { BENCH_MODELS } from "../bench/models";
import { randomValues } from "./kernel-check";

async function main(): Promise<void> {
  const steps = Number(process.argv[2] ?? 3);
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`steps must be a positive integer, got ${process.argv[2]}`);
  const info = await initBackend({ backend: "wasm" });
  const losses: Record<string, number[]> = {};
  for (const name of ["bench", "lenet"] as const) {
    const spec = BENCH_MODELS[name];
    const model = spec.build({ head: "logits" });
    // Fixed weights (the initializers draw from an unseeded generator), scaled like a fan-in init.
    model.setWeights(model.getWeights().map((w, i) => {
      const fanIn = w.shape.length > 1 ? w.shape.slice(0, -1).reduce((a, b) => a * b, 1) : 1;
      const values = randomValues(w.size, 100 + i).map((v) => (w.shape.length > 1 ? v / Math.sqrt(fanIn) : name === "bench" && i > 0 ? 1 + 0.1 * v : 0.1 * v));
      return tf.tensor(values, w.shape);
    }));
    const batch = spec.trainBatch;
    const x = tf.tensor(randomValues(batch * spec.inputShape.reduce((a, b) => a * b, 1), 7), [batch, ...spec.inputShape]);
    const labels = tf.oneHot(tf.tensor1d(Array.from({ length: batch }, (_, i) => (i * 7) % spec.numClasses), "int32"), spec.numClasses);
    const optimizer = tf.train.adam(1e-2);
    losses[name] = [];
    for (let s = 0; s < steps; s++) {
      const loss = optimizer.minimize(
        () => tf.losses.softmaxCrossEntropy(labels, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
        true,
      )!;
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
