// Vitest setup for `npm test`: tests that pick the cpu backend with tf.setBackend("cpu") (not through
// initBackend) would each print tfjs's "running TensorFlow.js in Node.js" banner. Make the silenced cpu
// backend the active one before any test file runs: tfjs creates a fresh backend instance (with the
// banner armed again) when the first tensor arrives and no backend has been set.
import * as tf from "@tensorflow/tfjs";
import { silenceCpuBackendBanner } from "./cpu-banner";

/** Run once per test file by vitest (vitest.config.mts `setupFiles`). */
export function quietCpuBanner(): void {
  // The cpu backend initialises synchronously, so setBackend has switched to it when the call returns
  // (its promise only reports success); no await needed before silencing that instance.
  void tf.setBackend("cpu");
  silenceCpuBackendBanner();
}

quietCpuBanner();
