// Runtime engineer's A/B speed check: the course's wasm backend against PyTorch (1 thread) on the
// benchmark models, measured alternately in the same run (the machine is shared and noisy, so only
// ratios from interleaved measurements mean anything). The reported benchmark is `npm run bench`
// (course-lib/bench/); this tool is for checking a kernel change quickly.
//
//   npx tsx course-lib/runtime/speed-vs-torch.ts [--models bench,lenet,phinet-like] [--rounds 3]
//       [--budget 2] [--warmup 0] [--no-torch]
//
// Both sides report samples per wall-clock second and per CPU-second of their process (the PyTorch side
// via torch_cpu_time.py, which imports the bench's networks); the CPU-time ratio is far steadier here.
// Each tfjs measurement runs in a fresh child process (like the bench worker): one model.fit call over
// n random batches (Adam 1e-3, softmax cross-entropy) and one model.predict call, warm-up excluded.
// --warmup S first trains (and predicts) for about S CPU-seconds on both sides: a fresh Node process
// spends its first seconds also JIT-compiling (V8's background threads, counted in the process's CPU
// time: LeNet's first ~40 fit batches took 16 ms of CPU per 12 ms of wall, settling to ~10/9.5 after
// ~2 s), so the default (one-batch warm-ups, as before) measures a start-up mix, --warmup 2 the
// steady state a notebook reaches after its first epoch.
import { execFileSync } from "child_process";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "./backend";
import { BENCH_MODELS, BENCH_MODEL_NAMES, BenchModelName } from "../bench/models";
import { median } from "../primitives/timing";

/** Samples per second of wall time and per second of this process's CPU time (user + system). */
interface Rate { wall: number; cpu: number }
interface Rates { train: Rate; infer: Rate }


/** Child side: measures one model on wasm and prints `RATES {json}`. */
async function child(name: BenchModelName, budget: number, warmup: number): Promise<void> {
  await initBackend({ backend: "wasm" });
  const spec = BENCH_MODELS[name];
  const model = spec.build({ head: "logits" });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: (y: tf.Tensor, p: tf.Tensor) => tf.losses.softmaxCrossEntropy(y, p) });
  // As the bench worker does: one model.fit / model.predict call over `batches` batches of random data.
  const data = (batches: number, batch: number) =>
    tf.tidy(() => ({
      x: tf.randomNormal([batches * batch, ...spec.inputShape]),
      y: tf.oneHot(tf.randomUniform([batches * batch], 0, spec.numClasses, "int32") as tf.Tensor1D, spec.numClasses).toFloat(),
    }));
  /** Wall and CPU seconds per batch of one call of `run` over `batches` batches. */
  const timed = async (run: () => Promise<void>, batches: number) => {
    const c0 = process.cpuUsage(), t0 = performance.now();
    await run();
    const c = process.cpuUsage(c0);
    return { wall: (performance.now() - t0) / 1000 / batches, cpu: (c.user + c.system) / 1e6 / batches };
  };
  const fitSeconds = async (batches: number) => {
    const { x, y } = data(batches, spec.trainBatch);
    const t = await timed(async () => {
      const h = await model.fit(x, y, { batchSize: spec.trainBatch, epochs: 1, verbose: 0 });
      if (!Number.isFinite(h.history.loss[0] as number)) throw new Error(`loss is ${h.history.loss[0]}`);
    }, batches);
    tf.dispose([x, y]);
    return t;
  };
  const predictSeconds = async (batches: number) => {
    const { x, y } = data(batches, spec.inferBatch);
    const t = await timed(async () => {
      const out = model.predict(x, { batchSize: spec.inferBatch }) as tf.Tensor;
      await out.data();
      out.dispose();
    }, batches);
    tf.dispose([x, y]);
    return t;
  };
  await fitSeconds(1);
  if (warmup > 0) await fitSeconds(Math.max(1, Math.round(warmup / (await fitSeconds(1)).cpu)));
  const trainSec = await fitSeconds(Math.max(2, Math.round(budget / (await fitSeconds(1)).cpu)));
  await predictSeconds(1);
  if (warmup > 0) await predictSeconds(Math.max(1, Math.round(warmup / (await predictSeconds(1)).cpu)));
  const inferSec = await predictSeconds(Math.max(2, Math.round(budget / (await predictSeconds(1)).cpu)));
  const rate = (sec: { wall: number; cpu: number }, batch: number): Rate => ({ wall: batch / sec.wall, cpu: batch / sec.cpu });
  const rates: Rates = { train: rate(trainSec, spec.trainBatch), infer: rate(inferSec, spec.inferBatch) };
  process.stdout.write(`RATES ${JSON.stringify(rates)}\n`);
}

function runTfjs(name: BenchModelName, budget: number, warmup: number): Rates {
  const args = [require.resolve("tsx/cli"), __filename, "--child", name, String(budget), String(warmup)];
  const out = execFileSync(process.execPath, args, { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, COURSE_BACKEND: "" } });
  const line = out.split("\n").find((l) => l.startsWith("RATES "));
  if (!line) throw new Error(`tfjs child for ${name} printed no RATES line:\n${out}`);
  return JSON.parse(line.slice(6));
}

/** PyTorch 1 thread on the same model (torch_cpu_time.py imports the networks from torch_bench.py). */
function runTorch(name: BenchModelName, budget: number, warmup: number): Rates {
  const script = path.join(__dirname, "torch_cpu_time.py");
  const out = execFileSync("/usr/bin/python3", [script, name, String(budget), String(warmup)], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, OPENBLAS_NUM_THREADS: "1", OMP_NUM_THREADS: "1", MKL_NUM_THREADS: "1" },
  });
  const line = out.split("\n").find((l) => l.startsWith("TORCH_CPU "));
  if (!line) throw new Error(`torch_cpu_time.py printed no TORCH_CPU line:\n${out}`);
  return JSON.parse(line.slice("TORCH_CPU ".length));
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === "--child") return child(argv[1] as BenchModelName, Number(argv[2]), Number(argv[3]));
  let models: BenchModelName[] = BENCH_MODEL_NAMES;
  let rounds = 3, budget = 2, warmup = 0, torch = true;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--models") models = argv[++i].split(",") as BenchModelName[];
    else if (a === "--rounds") rounds = Number(argv[++i]);
    else if (a === "--budget") budget = Number(argv[++i]);
    else if (a === "--warmup") warmup = Number(argv[++i]);
    else if (a === "--no-torch") torch = false;
    else throw new Error(`unknown argument ${JSON.stringify(a)}; see the header of ${path.basename(__filename)}`);
  }
  if (!(warmup >= 0)) throw new Error(`--warmup must be a number of seconds >= 0, got ${warmup}`);
  for (const m of models) if (!BENCH_MODEL_NAMES.includes(m)) throw new Error(`unknown model ${JSON.stringify(m)}; expected ${BENCH_MODEL_NAMES.join(", ")}`);
  const results = new Map<BenchModelName, { wasm: Rates[]; torch: Rates[] }>();
  for (let r = 0; r < rounds; r++) {
    for (const m of models) {
      const entry = results.get(m) ?? { wasm: [], torch: [] };
      results.set(m, entry);
      // Alternate which side goes first, so a load change hits both equally often.
      const order = r % 2 === 0 ? ["wasm", "torch"] : ["torch", "wasm"];
      for (const side of order) {
        if (side === "wasm") entry.wasm.push(runTfjs(m, budget, warmup));
        else if (torch) entry.torch.push(runTorch(m, budget, warmup));
      }
      const w = entry.wasm[entry.wasm.length - 1], t = entry.torch[entry.torch.length - 1];
      const fmt = (r: Rate) => `${r.cpu.toFixed(0)}/cpu-s ${r.wall.toFixed(0)}/s`;
      console.log(
        `round ${r + 1} ${m}: wasm train ${fmt(w.train)}, infer ${fmt(w.infer)}` +
          (t
            ? ` | torch train ${fmt(t.train)}, infer ${fmt(t.infer)} | ratio (cpu) train ${(w.train.cpu / t.train.cpu).toFixed(2)} infer ${(w.infer.cpu / t.infer.cpu).toFixed(2)}` +
              ` (wall ${(w.train.wall / t.train.wall).toFixed(2)} / ${(w.infer.wall / t.infer.wall).toFixed(2)})`
            : ""),
      );
    }
  }
  console.log("\nmedians over rounds; ratios are medians of per-round ratios. cpu = samples per CPU-second of the");
  console.log("process (steadier on a loaded machine), wall = samples per wall-clock second.");
  console.log("model        | train ratio cpu (wall) | infer ratio cpu (wall) | wasm train/cpu-s | torch train/cpu-s | wasm infer/cpu-s | torch infer/cpu-s");
  for (const [m, e] of results) {
    const ratio = (phase: keyof Rates, k: keyof Rate) => (e.torch.length ? median(e.wasm.map((w, i) => w[phase][k] / e.torch[i][phase][k])).toFixed(2) : "-");
    const med = (rs: Rates[], phase: keyof Rates) => (rs.length ? median(rs.map((x) => x[phase].cpu)).toFixed(0) : "-");
    console.log(
      `${m.padEnd(12)} | ${`${ratio("train", "cpu")}x (${ratio("train", "wall")}x)`.padStart(22)} | ${`${ratio("infer", "cpu")}x (${ratio("infer", "wall")}x)`.padStart(22)} | ` +
        `${med(e.wasm, "train").padStart(16)} | ${med(e.torch, "train").padStart(17)} | ${med(e.wasm, "infer").padStart(16)} | ${med(e.torch, "infer").padStart(17)}`,
    );
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack : String(err));
  process.exit(1);
});
