// Helpers to check a wasm kernel against the cpu backend's kernel on identical inputs: used by the
// runtime tests (kernels.test.ts) and handy when writing a new kernel.
import * as tf from "@tensorflow/tfjs";

/** Deterministic pseudo-random values in [-1, 1) (a small LCG, so tests need no seed library). */
export function randomValues(size: number, seed: number): Float32Array {
  const out = new Float32Array(size);
  let s = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

export interface KernelInput {
  shape: number[];
  values: Float32Array;
}

/** Runs kernel `name` on backend with fresh tensors made from inputs; returns the output values and shape. */
export async function runKernelOn(
  backend: "wasm" | "cpu",
  name: string,
  inputs: Record<string, KernelInput>,
  attrs: Record<string, unknown>,
): Promise<{ shape: number[]; values: Float32Array }> {
  await tf.setBackend(backend);
  const tensors: Record<string, tf.Tensor> = {};
  for (const [k, v] of Object.entries(inputs)) tensors[k] = tf.tensor(v.values, v.shape, "float32");
  const out = tf.engine().runKernel(name, tensors as unknown as tf.NamedTensorMap, attrs as tf.NamedAttrMap) as tf.Tensor;
  const values = (await out.data()) as Float32Array;
  const shape = out.shape.slice();
  out.dispose();
  Object.values(tensors).forEach((t) => t.dispose());
  return { shape, values: Float32Array.from(values) };
}

/** max |a-b| / max(|b|, tiny): the error relative to the reference output's scale. */
export function relativeMaxError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch: ${a.length} vs ${b.length}`);
  let err = 0, scale = 0;
  for (let i = 0; i < a.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  if (!Number.isFinite(err)) return Infinity;
  return err / Math.max(scale, 1e-12);
}

/** Runs the kernel on wasm and on cpu and returns both results and the relative error. */
export async function compareWithCpu(
  name: string,
  inputs: Record<string, KernelInput>,
  attrs: Record<string, unknown>,
): Promise<{ wasm: { shape: number[]; values: Float32Array }; cpu: { shape: number[]; values: Float32Array }; error: number }> {
  const wasm = await runKernelOn("wasm", name, inputs, attrs);
  const cpu = await runKernelOn("cpu", name, inputs, attrs);
  if (wasm.shape.join() !== cpu.shape.join()) throw new Error(`${name}: wasm shape [${wasm.shape}] vs cpu [${cpu.shape}]`);
  return { wasm, cpu, error: relativeMaxError(wasm.values, cpu.values) };
}

export function input(shape: number[], seed: number, transform?: (v: number) => number): KernelInput {
  const values = randomValues(shape.reduce((a, b) => a * b, 1), seed);
  if (transform) for (let i = 0; i < values.length; i++) values[i] = transform(values[i]);
  return { shape, values };
}
