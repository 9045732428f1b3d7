// The fused Adam step (kernels/adam.ts) against tfjs-core's AdamOptimizer on the cpu backend: several
// steps with changing gradients (so the moments and bias corrections matter), variable sizes with and
// without a 0-3 element tail, a list and a map of gradients, and the optimizer's saved weights.
import { beforeAll, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "./backend";
import { randomValues, relativeMaxError } from "./kernel-check";

beforeAll(async () => {
  delete process.env.COURSE_BACKEND;
  await initBackend({ backend: "wasm" });
});

const SIZES = [[7], [4, 4], [3, 5, 2], [1]];

async function run(backend: "wasm" | "cpu", asMap: boolean) {
  await tf.setBackend(backend);
  const vars = SIZES.map((shape, i) => tf.variable(tf.tensor(randomValues(shape.reduce((a, b) => a * b, 1), 200 + i), shape), true, `adam_${backend}_${asMap}_${i}`));
  const opt = tf.train.adam(0.05, 0.8, 0.95, 1e-6);
  const kernelsSeen = new Set<string>();
  for (let step = 0; step < 4; step++) {
    const grads = vars.map((v, i) => tf.tensor(randomValues(v.size, 300 + 10 * step + i).map((g) => g * (step + 1)), v.shape));
    const info = await tf.profile(() => {
      if (asMap) opt.applyGradients(Object.fromEntries(vars.map((v, i) => [v.name, grads[i]])) as unknown as Parameters<typeof opt.applyGradients>[0]);
      else opt.applyGradients(vars.map((v, i) => ({ name: v.name, tensor: grads[i] })));
    });
    info.kernelNames.forEach((k) => kernelsSeen.add(k));
    tf.dispose(grads);
  }
  const values = await Promise.all(vars.map(async (v) => Float32Array.from(await v.data())));
  const weights = await opt.getWeights();
  const saved = await Promise.all(weights.map(async (w) => ({ name: w.name.replace(`adam_${backend}_${asMap}_`, ""), values: Float32Array.from(await w.tensor.data()) })));
  opt.dispose();
  tf.dispose(vars);
  return { values, saved, kernelsSeen };
}

for (const asMap of [false, true]) {
  it(`four Adam steps match cpu (gradients as a ${asMap ? "map" : "list"}), one fused kernel per variable on wasm`, async () => {
    const wasm = await run("wasm", asMap);
    const cpu = await run("cpu", asMap);
    expect(wasm.kernelsSeen.has("CourseAdamUpdate")).toBe(true);
    expect(wasm.kernelsSeen.has("Sqrt")).toBe(false); // the stock update's ops did not run
    expect(cpu.kernelsSeen.has("CourseAdamUpdate")).toBe(false);
    wasm.values.forEach((v, i) => expect(relativeMaxError(v, cpu.values[i]), `variable ${i}`).toBeLessThan(1e-5));
    expect(wasm.saved.map((w) => w.name)).toEqual(cpu.saved.map((w) => w.name));
    wasm.saved.forEach((w, i) => expect(relativeMaxError(w.values, cpu.saved[i].values), `saved ${w.name}`).toBeLessThan(1e-5));
  });
}
