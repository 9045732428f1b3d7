// Runtime engineer's A/B speed check: the course's wasm backend against PyTorch (1 thread) on the
// benchmark models, measured alternately in the same run (the machine is shared and noisy, so only
// ratios from interleaved measurements mean anything). The reported benchmark is `npm run bench`
// (course-lib/bench/); this tool is for checking a kernel change quickly.
//
//   npx tsx course-lib/runtime/speed-vs-torch.ts [--models bench,lenet,phinet-like] [--rounds 3]
//       [--budget 2] [--fused-hard-swish] [--no-torch]
//
// Each tfjs measurement runs in a fresh child process (like the bench worker): model.fit over random
// batches (Adam 1e-3, softmax cross-entropy) and model.predict, warm-up excluded. --fused-hard-swish
// measures the PhiNet-like model with its HardSwish layers calling the course's fused hardSwish op
// (kernels/hard-swish.ts) instead of the composed ops: the change proposed for the layer's owner.
import { execFileSync } from "child_process";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "./backend";
import { hardSwish } from "./kernels";
import { BENCH_MODELS, BENCH_MODEL_NAMES, BenchModelName, HardSwish } from "../bench/models";

interface Rates { train: number; infer: number }

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function timeBatches(batches: number, run: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < batches; i++) await run();
  return (performance.now() - t0) / 1000 / batches;
}

/** Child side: measures one model on wasm and prints `RATES {json}`. */
async function child(name: BenchModelName, budget: number, fused: boolean): Promise<void> {
  await initBackend({ backend: "wasm" });
  if (fused) {
    HardSwish.prototype.call = function (inputs: tf.Tensor | tf.Tensor[]) {
      return hardSwish(Array.isArray(inputs) ? inputs[0] : inputs);
    };
  }
  const spec = BENCH_MODELS[name];
  const model = spec.build({ head: "logits" });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: (y: tf.Tensor, p: tf.Tensor) => tf.losses.softmaxCrossEntropy(y, p) });
  const x = tf.randomNormal([spec.trainBatch, ...spec.inputShape]);
  const y = tf.tidy(() => tf.oneHot(tf.randomUniform([spec.trainBatch], 0, spec.numClasses, "int32") as tf.Tensor1D, spec.numClasses).toFloat());
  const fit = async () => {
    const h = await model.fit(x, y, { batchSize: spec.trainBatch, epochs: 1, verbose: 0 });
    if (!Number.isFinite(h.history.loss[0] as number)) throw new Error(`loss is ${h.history.loss[0]}`);
  };
  await fit();
  const perTrain = await timeBatches(1, fit);
  const trainSec = await timeBatches(Math.max(2, Math.round(budget / perTrain)), fit);
  const xi = tf.randomNormal([spec.inferBatch, ...spec.inputShape]);
  const predict = async () => {
    const out = model.predict(xi, { batchSize: spec.inferBatch }) as tf.Tensor;
    await out.data();
    out.dispose();
  };
  await predict();
  const perInfer = await timeBatches(1, predict);
  const inferSec = await timeBatches(Math.max(2, Math.round(budget / perInfer)), predict);
  const rates: Rates = { train: spec.trainBatch / trainSec, infer: spec.inferBatch / inferSec };
  process.stdout.write(`RATES ${JSON.stringify(rates)}\n`);
}

function runTfjs(name: BenchModelName, budget: number, fused: boolean): Rates {
  const args = [require.resolve("tsx/cli"), __filename, "--child", name, String(budget), fused ? "fused" : "composed"];
  const out = execFileSync(process.execPath, args, { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, COURSE_BACKEND: "" } });
  const line = out.split("\n").find((l) => l.startsWith("RATES "));
  if (!line) throw new Error(`tfjs child for ${name} printed no RATES line:\n${out}`);
  return JSON.parse(line.slice(6));
}

function runTorch(name: BenchModelName, budget: number): Rates {
  const script = path.join(__dirname, "..", "bench", "torch_bench.py");
  const out = execFileSync("/usr/bin/python3", [script, "--models", name, "--budget", String(budget * 2), "--reps", "1", "--min-batches", "2"], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
    env: { ...process.env, OPENBLAS_NUM_THREADS: "1", OMP_NUM_THREADS: "1", MKL_NUM_THREADS: "1" },
  });
  const line = out.split("\n").find((l) => l.startsWith("BENCH_RESULT "));
  if (!line) throw new Error(`torch_bench.py printed no BENCH_RESULT line:\n${out}`);
  const r = JSON.parse(line.slice("BENCH_RESULT ".length)).results[0];
  return { train: r.train.samplesPerSec, infer: r.infer.samplesPerSec };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === "--child") return child(argv[1] as BenchModelName, Number(argv[2]), argv[3] === "fused");
  let models: BenchModelName[] = BENCH_MODEL_NAMES;
  let rounds = 3, budget = 2, fused = false, torch = true;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--models") models = argv[++i].split(",") as BenchModelName[];
    else if (a === "--rounds") rounds = Number(argv[++i]);
    else if (a === "--budget") budget = Number(argv[++i]);
    else if (a === "--fused-hard-swish") fused = true;
    else if (a === "--no-torch") torch = false;
    else throw new Error(`unknown argument ${JSON.stringify(a)}; see the header of ${path.basename(__filename)}`);
  }
  for (const m of models) if (!BENCH_MODEL_NAMES.includes(m)) throw new Error(`unknown model ${JSON.stringify(m)}; expected ${BENCH_MODEL_NAMES.join(", ")}`);
  const results = new Map<BenchModelName, { wasm: Rates[]; torch: Rates[] }>();
  for (let r = 0; r < rounds; r++) {
    for (const m of models) {
      const entry = results.get(m) ?? { wasm: [], torch: [] };
      results.set(m, entry);
      // Alternate which side goes first, so a load change hits both equally often.
      const order = r % 2 === 0 ? ["wasm", "torch"] : ["torch", "wasm"];
      for (const side of order) {
        if (side === "wasm") entry.wasm.push(runTfjs(m, budget, fused && m === "phinet-like"));
        else if (torch) entry.torch.push(runTorch(m, budget));
      }
      const w = entry.wasm[entry.wasm.length - 1], t = entry.torch[entry.torch.length - 1];
      console.log(
        `round ${r + 1} ${m}: wasm train ${w.train.toFixed(0)}/s infer ${w.infer.toFixed(0)}/s` +
          (t ? ` | torch train ${t.train.toFixed(0)}/s infer ${t.infer.toFixed(0)}/s | ratio train ${(w.train / t.train).toFixed(2)} infer ${(w.infer / t.infer).toFixed(2)}` : ""),
      );
    }
  }
  console.log("\nmedian over rounds (ratios are medians of the per-round ratios):");
  console.log("model        | wasm train | torch train | ratio | wasm infer | torch infer | ratio");
  for (const [m, e] of results) {
    const ratio = (k: keyof Rates) => (e.torch.length ? median(e.wasm.map((w, i) => w[k] / e.torch[i][k])).toFixed(2) + "x" : "-");
    const med = (rs: Rates[], k: keyof Rates) => (rs.length ? median(rs.map((x) => x[k])).toFixed(0) : "-");
    console.log(
      `${m.padEnd(12)} | ${med(e.wasm, "train").padStart(10)} | ${med(e.torch, "train").padStart(11)} | ${ratio("train").padStart(5)} | ` +
        `${med(e.wasm, "infer").padStart(10)} | ${med(e.torch, "infer").padStart(11)} | ${ratio("infer").padStart(5)}`,
    );
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack : String(err));
  process.exit(1);
});
