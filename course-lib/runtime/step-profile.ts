// Where the time of one training step goes, kernel by kernel: used by `npm run bench -- --profile` and by
// the runtime engineer's profile-kernels.ts. tf.profile times every kernel call; the step's wall time is
// measured separately, unprofiled (profiling itself slows each call), and the difference between the two is
// what tfjs spends outside kernels: autodiff bookkeeping, tensor allocation and disposal, kernel dispatch.
import * as tf from "@tensorflow/tfjs";

/** Kernel families the profile groups by (what the issue of speed is usually about). */
export type KernelFamily = "conv/matmul" | "optimizer" | "data movement" | "element-wise and other";

export interface KernelTime {
  name: string;
  family: KernelFamily;
  ms: number;
  calls: number;
}

export interface StepProfile {
  /** Median wall time of an unprofiled step, ms. */
  stepMs: number;
  /** Sum of the kernel times tf.profile measured in one profiled step, ms. */
  kernelMs: number;
  /** Kernel calls in one step. */
  kernelCalls: number;
  /** Per kernel name, slowest first. */
  kernels: KernelTime[];
  /** Per family, slowest first. */
  families: { family: KernelFamily; ms: number; calls: number }[];
}

const GEMM_SHAPED = /^(Conv2D|Conv2DBackprop|DepthwiseConv2dNative|FusedConv2D|FusedDepthwiseConv2D|_FusedMatMul|BatchMatMul|CourseFusedConv2D|CourseFusedMatMul)/;
const DATA_MOVEMENT = new Set(["Transpose", "Slice", "Tile", "Identity", "Cast", "GatherV2", "Reshape", "PadV2", "Concat", "Pack", "Unpack", "MirrorPad", "StridedSlice", "OneHot"]);

export function kernelFamily(name: string): KernelFamily {
  if (GEMM_SHAPED.test(name)) return "conv/matmul";
  if (name === "CourseAdamUpdate" || /Adam|Optimizer/.test(name)) return "optimizer";
  if (DATA_MOVEMENT.has(name)) return "data movement";
  return "element-wise and other";
}

/**
 * One softmax cross-entropy training step of a logits model (the step model.fit takes), in a tidy scope:
 * the step profile-kernels.ts, the bench's --profile and thread-check.ts measure. Returns the loss when
 * `returnLoss` (the caller disposes it).
 */
export function trainingStep(model: tf.LayersModel, optimizer: tf.Optimizer, x: tf.Tensor, labels: tf.Tensor, returnLoss = false): tf.Scalar | null {
  const loss = () => tf.losses.softmaxCrossEntropy(labels, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar;
  if (returnLoss) return tf.tidy(() => optimizer.minimize(loss, true) as tf.Scalar);
  tf.tidy(() => {
    optimizer.minimize(loss);
  });
  return null;
}

/**
 * Profiles `step` (one training step that disposes what it makes, e.g. optimizer.minimize inside tf.tidy):
 * `timedSteps` unprofiled calls for the wall time, then one call under tf.profile. Call it after warm-up.
 */
export async function profileStep(step: () => void, timedSteps = 5): Promise<StepProfile> {
  if (!Number.isInteger(timedSteps) || timedSteps < 1) throw new Error(`timedSteps must be a positive integer, got ${timedSteps}`);
  const walls: number[] = [];
  for (let i = 0; i < timedSteps; i++) {
    const t0 = performance.now();
    step();
    walls.push(performance.now() - t0);
  }
  walls.sort((a, b) => a - b);
  const info = await tf.profile(() => step());
  const byName = new Map<string, KernelTime>();
  let kernelMs = 0;
  for (const k of info.kernels) {
    const ms = Number(k.kernelTimeMs);
    kernelMs += ms;
    const e = byName.get(k.name) ?? { name: k.name, family: kernelFamily(k.name), ms: 0, calls: 0 };
    e.ms += ms;
    e.calls++;
    byName.set(k.name, e);
  }
  const kernels = [...byName.values()].sort((a, b) => b.ms - a.ms);
  const fam = new Map<KernelFamily, { family: KernelFamily; ms: number; calls: number }>();
  for (const k of kernels) {
    const f = fam.get(k.family) ?? { family: k.family, ms: 0, calls: 0 };
    f.ms += k.ms;
    f.calls += k.calls;
    fam.set(k.family, f);
  }
  return {
    stepMs: walls[Math.floor(walls.length / 2)],
    kernelMs,
    kernelCalls: info.kernels.length,
    kernels,
    families: [...fam.values()].sort((a, b) => b.ms - a.ms),
  };
}

/** The profile as text lines: families, then the `top` slowest kernels. */
export function formatStepProfile(p: StepProfile, top = 10): string[] {
  const lines = [
    `step ${p.stepMs.toFixed(2)} ms wall (unprofiled median); ${p.kernelCalls} kernel calls, ${p.kernelMs.toFixed(2)} ms in kernels under tf.profile` +
      (p.stepMs > p.kernelMs ? `; ${(p.stepMs - p.kernelMs).toFixed(2)} ms outside kernels (dispatch, allocation, autodiff)` : " (profiling inflates kernel times)"),
  ];
  for (const f of p.families) lines.push(`  ${f.family.padEnd(24)} ${f.ms.toFixed(2).padStart(8)} ms ${String(f.calls).padStart(5)} calls`);
  for (const k of p.kernels.slice(0, top)) lines.push(`    ${k.name.padEnd(36)} ${k.ms.toFixed(2).padStart(8)} ms ${String(k.calls).padStart(5)} calls`);
  return lines;
}
