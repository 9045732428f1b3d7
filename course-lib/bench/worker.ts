// Child process of `npm run bench`: measures the tfjs models on ONE backend and prints a single line
// `BENCH_RESULT {json}` on stdout (progress goes to stderr). A fresh process per backend is needed because a
// tfjs process keeps whatever kernels were registered in it, and a backend that fails to load (node here)
// must not take the whole benchmark down. Started by harness.ts; the config is argv[2] as JSON.
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../runtime/backend";
import { BenchModelSpec, ParamCounts, countParams, getBenchModel } from "./models";
import { BenchTarget, MeasureSettings, PhaseResult, WorkerConfig, WorkerModelResult, WorkerOutput, RESULT_PREFIX } from "./types";
import { median } from "../primitives/timing";
import { StepProfile, profileStep, trainingStep } from "../runtime/step-profile";

function log(target: string, message: string): void {
  process.stderr.write(`[${target}] ${message}\n`);
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * "wasm-stock" is the WebAssembly backend exactly as @tensorflow/tfjs-backend-wasm ships it, without the
 * course's training kernels: it shows what those kernels are worth. Everything else goes through initBackend
 * with COURSE_BACKEND set by the parent, the same path notebooks take.
 */
async function startBackend(target: BenchTarget): Promise<{ name: string; tfBackend: string; detail: string }> {
  if (target === "wasm-stock") {
    const tfWasm = await import("@tensorflow/tfjs-backend-wasm");
    const dist = path.join(path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json")), "dist") + path.sep;
    tfWasm.setWasmPaths(dist);
    if (!(await tf.setBackend("wasm"))) throw new Error(`tf.setBackend("wasm") returned false (binaries in ${dist})`);
    await tf.ready();
    const simd = tf.env().getBool("WASM_HAS_SIMD_SUPPORT");
    return { name: "wasm-stock", tfBackend: tf.getBackend(), detail: `stock @tensorflow/tfjs-backend-wasm (XNNPACK${simd ? ", SIMD" : ""}), no course kernels` };
  }
  const info = await initBackend();
  if (target !== "default" && info.name !== (target === "wasm-threads" ? "wasm" : target)) {
    const asked = target === "wasm-threads" ? "COURSE_BACKEND=wasm with COURSE_THREADS=all" : `COURSE_BACKEND=${target}`;
    throw new Error(`asked for ${asked} but initBackend() returned ${info.name}`);
  }
  return { name: info.name, tfBackend: info.tfBackend, detail: info.detail };
}


/** Cap on the random training data held at once (fit loops over it for more epochs when needed). */
const MAX_DATA_BYTES = 64 * 2 ** 20;

function sampleBytes(spec: BenchModelSpec): number {
  return 4 * spec.inputShape.reduce((a, b) => a * b, 1);
}

function randomBatch(spec: BenchModelSpec, samples: number): { x: tf.Tensor; y: tf.Tensor } {
  return tf.tidy(() => {
    const x = tf.randomNormal([samples, ...spec.inputShape]);
    const labels = tf.randomUniform([samples], 0, spec.numClasses, "int32");
    return { x, y: tf.oneHot(labels as tf.Tensor1D, spec.numClasses).toFloat() };
  });
}

/** One prepared measurement: `go()` is what gets timed; the random data is made before and freed after. */
interface PreparedRun {
  /** Samples one go() processes (may round the requested batches up). */
  samples: number;
  go(): Promise<void>;
  dispose(): void;
}

/**
 * Times a phase the way torch_bench.py does: warmup calls first (not timed), then `reps` timed calls of
 * n batches, n chosen from the warmup speed so that one measurement takes about `settings.budgetSec`
 * (or fixed, for the slow cpu backend).
 */
async function measure(
  batchSize: number,
  settings: MeasureSettings,
  prepare: (batches: number, samplesPerBatch: number) => PreparedRun,
): Promise<PhaseResult> {
  const timeOnce = async (run: PreparedRun): Promise<{ seconds: number; samples: number }> => {
    try {
      const t0 = performance.now();
      await run.go();
      return { seconds: (performance.now() - t0) / 1000, samples: run.samples };
    } finally {
      run.dispose();
    }
  };
  // Warmup: the first call compiles and allocates; a second, full batch estimates the steady speed.
  await timeOnce(prepare(1, settings.warmupSamples ?? batchSize));
  let batches = settings.fixedBatches ?? 0;
  if (!batches) {
    const perBatch = (await timeOnce(prepare(1, batchSize))).seconds;
    batches = Math.round(settings.budgetSec / settings.reps / Math.max(perBatch, 1e-6));
    batches = Math.max(settings.minBatches, Math.min(settings.maxBatches, batches));
  }
  const runs: { seconds: number; samples: number }[] = [];
  for (let r = 0; r < settings.reps; r++) runs.push(await timeOnce(prepare(batches, batchSize)));
  const rates = runs.map((run) => run.samples / run.seconds);
  return {
    samplesPerSec: median(rates),
    batches: runs[0].samples / batchSize,
    batchSize,
    reps: settings.reps,
    repSamplesPerSec: rates,
    seconds: runs.reduce((a, run) => a + run.seconds, 0),
  };
}

async function benchModel(config: WorkerConfig, spec: BenchModelSpec): Promise<WorkerModelResult> {
  const model = spec.build({ head: "logits" });
  const params: ParamCounts = countParams(model);
  const result: WorkerModelResult = { model: spec.name, params };
  if (config.paramsOnly) {
    model.dispose();
    return result;
  }
  // Adam + softmax cross-entropy on logits: the same objective as nn.CrossEntropyLoss in torch_bench.py.
  model.compile({
    optimizer: tf.train.adam(1e-3),
    loss: (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.losses.softmaxCrossEntropy(yTrue, yPred),
  });

  log(config.target, `${spec.name}: training (batch ${spec.trainBatch})`);
  try {
    result.train = await measure(spec.trainBatch, config.train, (batches, samplesPerBatch) => {
      // At most ~64 MB of random data: longer runs loop over it for several epochs instead.
      const heldBatches = Math.max(1, Math.min(batches, Math.floor(MAX_DATA_BYTES / (samplesPerBatch * sampleBytes(spec)))));
      const epochs = Math.ceil(batches / heldBatches);
      const { x, y } = randomBatch(spec, heldBatches * samplesPerBatch);
      return {
        samples: heldBatches * epochs * samplesPerBatch,
        async go() {
          // model.fit as a learner calls it (shuffled batches); its history holds the synced losses.
          const history = await model.fit(x, y, { batchSize: samplesPerBatch, epochs, verbose: 0 });
          const loss = history.history.loss?.[epochs - 1];
          if (typeof loss !== "number" || !Number.isFinite(loss)) throw new Error(`training loss is ${loss}`);
        },
        dispose: () => tf.dispose([x, y]),
      };
    });
    log(config.target, `${spec.name}: train ${result.train.samplesPerSec.toFixed(1)} samples/s`);
  } catch (err) {
    result.trainError = errorMessage(err);
    log(config.target, `${spec.name}: training failed: ${result.trainError}`);
  }

  if (config.profile && !result.trainError) {
    try {
      result.profile = await profileTrainingStep(model, spec);
    } catch (err) {
      result.profileError = errorMessage(err);
    }
  }

  log(config.target, `${spec.name}: inference (batch ${spec.inferBatch})`);
  try {
    result.infer = await measure(spec.inferBatch, config.infer, (batches, samplesPerBatch) => {
      // One batch predicted `batches` times, like torch_bench.py: predict() on one huge tensor would also
      // time how the backend slices it, which is quadratic on stock wasm.
      const { x, y } = randomBatch(spec, samplesPerBatch);
      y.dispose();
      return {
        samples: batches * samplesPerBatch,
        async go() {
          for (let i = 0; i < batches; i++) {
            const out = model.predict(x, { batchSize: samplesPerBatch }) as tf.Tensor;
            await out.data(); // includes reading the results back, as torch's eager forward does
            out.dispose();
          }
        },
        dispose: () => x.dispose(),
      };
    });
    log(config.target, `${spec.name}: infer ${result.infer.samplesPerSec.toFixed(1)} samples/s`);
  } catch (err) {
    result.inferError = errorMessage(err);
    log(config.target, `${spec.name}: inference failed: ${result.inferError}`);
  }
  model.dispose();
  return result;
}

/** One training step (the optimizer step model.fit takes) profiled kernel by kernel, after two warm-ups. */
async function profileTrainingStep(model: tf.LayersModel, spec: BenchModelSpec): Promise<StepProfile> {
  const { x, y } = randomBatch(spec, spec.trainBatch);
  const optimizer = model.optimizer;
  const step = () => void trainingStep(model, optimizer, x, y);
  try {
    step();
    step();
    return await profileStep(step);
  } finally {
    tf.dispose([x, y]);
  }
}

async function main(): Promise<void> {
  const raw = process.argv[2];
  if (!raw) throw new Error("usage: worker.ts '<json WorkerConfig>' (started by course-lib/bench/harness.ts)");
  const config = JSON.parse(raw) as WorkerConfig;
  const output: WorkerOutput = { target: config.target, status: "ok", tfjs: tf.version.tfjs, results: [] };
  try {
    const info = await startBackend(config.target);
    output.backendName = info.name;
    output.tfBackend = info.tfBackend;
    output.detail = info.detail;
  } catch (err) {
    output.status = "unavailable";
    output.reason = errorMessage(err);
    process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(output)}\n`);
    return;
  }
  if (config.target !== "default" || config.models.length > 0) {
    log(config.target, `backend ready: ${output.detail}`);
  }
  for (const name of config.models) {
    output.results.push(await benchModel(config, getBenchModel(name)));
  }
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(output)}\n`);
}

main().catch((err) => {
  process.stderr.write(`bench worker failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
