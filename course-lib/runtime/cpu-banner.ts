// Kept apart from backend.ts so that a vitest setup file can load it without the wasm backend.
import * as tf from "@tensorflow/tfjs";

/**
 * tfjs's cpu backend prints "Hi, looks like you are running TensorFlow.js in Node.js. To speed things up
 * dramatically, install our node backend ..." on the first tensor it stores in Node
 * (MathBackendCPU.write in @tensorflow/tfjs-backend-cpu, once per backend instance, guarded by its
 * `firstUse` field). The course says which backend it chose and why, and the banner repeats in every
 * test process and kernel, so we clear that field on the registered cpu backend. tfjs has no switch for
 * this one message: the IS_TEST and PROD flags would silence every tfjs warning. backend.test.ts checks
 * that the banner stays away and that other warnings still print.
 */
export function silenceCpuBackendBanner(): void {
  // findBackend creates the cpu backend (synchronously, cheaply) if no tensor has needed it yet.
  const cpu = tf.findBackend("cpu") as { firstUse?: unknown } | null;
  if (cpu && typeof cpu.firstUse === "boolean") cpu.firstUse = false;
}
