// Child process of `npm run bench` for the int8 rows: quantizes LeNet and a keyword-spotting PhiNet with
// quantizeModel (random calibration data: speed does not depend on the values), then measures, in this one
// process, inferences per second of the integer interpreter (runQuantized, one input per call, TFLM rounding)
// and of the same float network on the wasm backend at batch 1, and prints `BENCH_RESULT {json}` on stdout.
// MACs are the conv/depthwise/dense multiply-accumulates of the quantized graph (prepareQuantized().macs),
// which the float network performs too. Started by harness.ts; the config is argv[2] as JSON.
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../runtime/backend";
import { buildLeNet } from "./models";
import { phinet } from "../nets/phinet";
import { quantizeModel } from "../quantize/quantize-model";
import { prepareQuantized, runQuantized } from "../quantize/interpreter";
import { median } from "../primitives/timing";
import { mulberry32 } from "../data/random";
import { INT8_MODEL_NAMES, Int8ModelName, Int8Row, Int8WorkerConfig, Int8WorkerOutput, RESULT_PREFIX } from "./types";

function log(message: string): void {
  process.stderr.write(`[int8] ${message}\n`);
}

/** The keyword spotter of the course: PhiNet α 0.5 on a 49×40 log-mel spectrogram, 12 classes. */
export function buildKeywordPhiNet(): tf.LayersModel {
  return phinet({ inputShape: [49, 40, 1], inputLayout: "hwc", alpha: 0.5, includeTop: true, numClasses: 12 });
}

const MODELS: Record<Int8ModelName, { description: string; inputShape: number[]; build: () => tf.LayersModel }> = {
  lenet: { description: "LeNet-5 style CNN, 28x28x1 (bench/models.ts)", inputShape: [28, 28, 1], build: () => buildLeNet() },
  "keyword-phinet": {
    description: "PhiNet alpha 0.5 on 49x40x1 log-mel, 12 keywords, hard-swish, squeeze-excite",
    inputShape: [49, 40, 1],
    build: buildKeywordPhiNet,
  },
};

/** Calls `run` in reps of ~budget/reps seconds each; returns the median calls per second. */
function callsPerSecond(run: () => void, budgetSec: number, reps: number): { perSec: number; repPerSec: number[]; calls: number } {
  for (let i = 0; i < 3; i++) run(); // warm-up (JIT, buffers)
  const repPerSec: number[] = [];
  let calls = 0;
  for (let r = 0; r < reps; r++) {
    let n = 0;
    const start = performance.now();
    let elapsed = 0;
    while (n < 2 || elapsed < (budgetSec * 1000) / reps) {
      run();
      n++;
      elapsed = performance.now() - start;
    }
    repPerSec.push(n / (elapsed / 1000));
    calls += n;
  }
  return { perSec: median(repPerSec), repPerSec, calls };
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? "{}") as Int8WorkerConfig;
  const info = await initBackend({ backend: "wasm" });
  const rows: Int8Row[] = [];
  for (const name of config.models) {
    if (!isInt8ModelName(name)) throw new Error(`unknown int8 bench model ${JSON.stringify(name)}; expected one of ${INT8_MODEL_NAMES.join(", ")}`);
    const spec = MODELS[name];
    log(`${name}: quantizing...`);
    const model = spec.build();
    const calibration = tf.randomNormal([32, ...spec.inputShape], 0, 1, "float32", 7);
    const t0 = performance.now();
    const graph = quantizeModel(model, { calibration });
    const quantizeSec = (performance.now() - t0) / 1000;
    calibration.dispose();
    const plan = prepareQuantized(graph);
    const rand = mulberry32(11);
    const inputs = Array.from({ length: 8 }, () => Int8Array.from({ length: plan.inputSize }, () => Math.floor(rand() * 256) - 128));
    let k = 0;
    log(`${name}: ${plan.macs} MACs per inference; timing runQuantized...`);
    const int8 = callsPerSecond(() => void runQuantized(graph, inputs[k++ & 7]), config.budgetSec, config.reps);
    log(`${name}: timing float inference on ${info.name} at batch 1...`);
    const x = tf.randomNormal([1, ...spec.inputShape], 0, 1, "float32", 3);
    const float = callsPerSecond(() => {
      const y = model.predict(x) as tf.Tensor;
      y.dataSync();
      y.dispose();
    }, config.budgetSec, config.reps);
    x.dispose();
    model.dispose();
    const int8MacPerSec = int8.perSec * plan.macs;
    rows.push({
      model: name,
      description: spec.description,
      macs: plan.macs,
      graphOps: graph.operators.length,
      quantizeSec: Math.round(quantizeSec * 100) / 100,
      int8: { inferPerSec: int8.perSec, macPerSec: int8MacPerSec, repInferPerSec: int8.repPerSec, calls: int8.calls },
      floatBatch1: { backend: info.name, inferPerSec: float.perSec, macPerSec: float.perSec * plan.macs, repInferPerSec: float.repPerSec, calls: float.calls },
      int8VsFloat: int8.perSec / float.perSec,
      verdict: int8MacPerSec >= config.targetMacPerSec ? "PASS" : "BELOW",
    });
  }
  const out: Int8WorkerOutput = { backend: info.name, detail: info.detail, rows };
  process.stdout.write(RESULT_PREFIX + JSON.stringify(out) + "\n");
}

function isInt8ModelName(name: string): name is Int8ModelName {
  return (INT8_MODEL_NAMES as readonly string[]).includes(name);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
