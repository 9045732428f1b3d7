// Quick profiler for the runtime engineer: trains and runs each course benchmark model on the current
// backend, prints samples/s and the kernels that take the most time in one training step.
//   npx tsx course-lib/runtime/profile-kernels.ts [bench|lenet|phinet-like ...] [--steps N] [--no-kernels] [--calls]
// (The reported benchmark with the PyTorch comparison is course-lib/bench/, whose --profile prints the same
// per-kernel table; this adds --calls, every kernel call with its shapes, for finding hotspots.)
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "./backend";
import { BENCH_MODELS, BENCH_MODEL_NAMES, BenchModelName } from "../bench/models";
import { randomValues } from "./kernel-check";
import { formatStepProfile, kernelMacs, profileStep, trainingStep } from "./step-profile";

function parseArgs(argv: string[]) {
  const names: BenchModelName[] = [];
  let steps = 5;
  let kernels = true;
  let calls = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--steps") steps = Number(argv[++i]);
    else if (argv[i] === "--no-kernels") kernels = false;
    else if (argv[i] === "--calls") calls = true;
    else if ((BENCH_MODEL_NAMES as string[]).includes(argv[i])) names.push(argv[i] as BenchModelName);
    else throw new Error(`unknown argument ${JSON.stringify(argv[i])}; expected a model (${BENCH_MODEL_NAMES.join(", ")}), --steps N --no-kernels or --calls`);
  }
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`--steps must be a positive integer, got ${steps}`);
  return { names: names.length ? names : BENCH_MODEL_NAMES, steps, kernels, calls };
}

async function profileModel(name: BenchModelName, steps: number, kernels: boolean, calls: boolean) {
  const spec = BENCH_MODELS[name];
  const model = spec.build({ head: "logits" });
  const optimizer = tf.train.adam(1e-3);
  const batch = spec.trainBatch;
  const x = tf.tensor(randomValues(batch * spec.inputShape.reduce((a, b) => a * b, 1), 1), [batch, ...spec.inputShape]);
  const labels = tf.oneHot(tf.tensor1d(Array.from({ length: batch }, (_, i) => i % spec.numClasses), "int32"), spec.numClasses);
  const step = () => void trainingStep(model, optimizer, x, labels);
  step();
  step(); // warm-up: XNNPACK operator creation, optimizer slots
  let t0 = performance.now();
  for (let i = 0; i < steps; i++) step();
  const trainMs = (performance.now() - t0) / steps;

  const inferX = tf.tensor(randomValues(spec.inferBatch * spec.inputShape.reduce((a, b) => a * b, 1), 2), [spec.inferBatch, ...spec.inputShape]);
  tf.tidy(() => model.predict(inferX));
  t0 = performance.now();
  for (let i = 0; i < steps; i++) tf.tidy(() => (model.predict(inferX) as tf.Tensor).dataSync());
  const inferMs = (performance.now() - t0) / steps;
  console.log(
    `${name}: train ${(batch / (trainMs / 1000)).toFixed(0)} samples/s (${trainMs.toFixed(1)} ms/step of ${batch}), ` +
      `inference ${(spec.inferBatch / (inferMs / 1000)).toFixed(0)} samples/s`,
  );
  if (kernels) {
    for (const line of formatStepProfile(await profileStep(step), calls ? Infinity : 14)) console.log(`  ${line}`);
    if (calls) {
      // Every kernel call over 0.05 ms with its input shapes (and GMAC/s for convolutions and matrix products),
      // in execution order (which layer costs what).
      const info = await tf.profile(() => step());
      console.log(`  ${info.kernels.length} kernel calls; those over 0.05 ms:`);
      for (const k of info.kernels) {
        const ms = Number(k.kernelTimeMs);
        const macs = kernelMacs(k.name, k.inputShapes, k.outputShapes);
        const rate = macs === null ? "" : `  ${(macs / (ms * 1e6)).toFixed(1)} GMAC/s`;
        if (ms > 0.05) console.log(`    ${k.name.padEnd(28)} ${ms.toFixed(2).padStart(6)} ms  ${k.inputShapes.map((s) => `[${s}]`).join(" ")}${rate}`);
      }
    }
  }
  tf.dispose([x, labels, inferX]);
  model.dispose();
}

async function main() {
  const { names, steps, kernels, calls } = parseArgs(process.argv.slice(2));
  const info = await initBackend();
  console.log(`backend: ${info.name} (${info.detail})`);
  for (const name of names) await profileModel(name, steps, kernels, calls);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
