// Where the time of one training step goes, kernel by kernel: used by `npm run bench -- --profile` and by
// the runtime engineer's profile-kernels.ts. tf.profile times every kernel call; the step's wall time is
// measured separately, unprofiled (profiling itself slows each call), and the difference between the two is
// what tfjs spends outside kernels: autodiff bookkeeping, tensor allocation and disposal, kernel dispatch.
// Convolutions and matrix products also get their multiply-accumulates from the shapes, so each shows its
// GMAC/s beside the ceiling of WebAssembly SIMD on this machine (kernels/simd.ts): how far a kernel is from
// what 4-lane vectors allow.
import * as tf from "@tensorflow/tfjs";
import { simdMacCeilingGmacPerSec } from "./kernels/simd";
import { WasmBackend } from "./kernels/wasm-util";

/** Kernel families the profile groups by (what the issue of speed is usually about). */
export type KernelFamily = "conv/matmul" | "optimizer" | "data movement" | "element-wise and other";

export interface KernelTime {
  name: string;
  family: KernelFamily;
  ms: number;
  calls: number;
  /** Multiply-accumulates of all its calls in the step (convolutions and matrix products; null for others). */
  macs: number | null;
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
  /** On the wasm backend: the SIMD multiply-add ceiling of this machine, GMAC/s (simdMacCeilingGmacPerSec); else null. */
  simdCeilingGmacPerSec: number | null;
}

const GEMM_SHAPED = /^(Conv2D|Conv2DBackprop|DepthwiseConv2dNative|FusedConv2D|FusedDepthwiseConv2D|_FusedMatMul|BatchMatMul|CourseFusedConv2D|CourseFusedMatMul)/;
const DATA_MOVEMENT = new Set(["Transpose", "Slice", "Tile", "Identity", "Cast", "GatherV2", "Reshape", "PadV2", "Concat", "Pack", "Unpack", "MirrorPad", "StridedSlice", "OneHot"]);

export function kernelFamily(name: string): KernelFamily {
  if (GEMM_SHAPED.test(name)) return "conv/matmul";
  if (name === "CourseAdamUpdate" || /Adam|Optimizer/.test(name)) return "optimizer";
  if (DATA_MOVEMENT.has(name)) return "data movement";
  return "element-wise and other";
}

const prod = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * Multiply-accumulates of one kernel call, from its input and output shapes (NHWC, filters [FH, FW, CI, CO] or
 * depthwise [FH, FW, C, M], as tfjs stores them), or null for kernels that are not convolutions or matrix products.
 * Counted as the dense loops define them (FH·FW·CI per output element of a convolution, K per element of a
 * matrix product), padding taps included: the work an im2col GEMM does.
 */
export function kernelMacs(name: string, inputShapes: readonly (readonly number[])[], outputShapes: readonly (readonly number[])[]): number | null {
  const [a, b] = inputShapes;
  const out = outputShapes[0];
  switch (name) {
    case "Conv2D":
    case "FusedConv2D":
    case "CourseFusedConv2D": // y [N,OH,OW,CO], filter [FH,FW,CI,CO]: FH·FW·CI per output
      return prod(out) * (prod(b) / b[3]);
    case "Conv2DBackpropInput": // dy, filter
      return prod(a) * (prod(b) / b[3]);
    case "Conv2DBackpropFilter": // x, dy → filter
      return prod(b) * (prod(out) / out[3]);
    case "DepthwiseConv2dNative":
    case "FusedDepthwiseConv2D": // filter [FH,FW,C,M]: FH·FW per output
      return prod(out) * b[0] * b[1];
    case "DepthwiseConv2dNativeBackpropInput": // dy, filter
      return prod(a) * b[0] * b[1];
    case "DepthwiseConv2dNativeBackpropFilter": // x, dy → filter
      return prod(b) * out[0] * out[1];
    case "BatchMatMul":
    case "_FusedMatMul":
    case "CourseFusedMatMul": {
      // a's last two dimensions are M and K in either order (transposeA), out's last two M and N.
      const m = out[out.length - 2];
      return prod(out) * (prod(a.slice(-2)) / m);
    }
    default:
      return null;
  }
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
    const e = byName.get(k.name) ?? { name: k.name, family: kernelFamily(k.name), ms: 0, calls: 0, macs: null };
    e.ms += ms;
    e.calls++;
    const macs = kernelMacs(k.name, k.inputShapes, k.outputShapes);
    if (macs !== null) e.macs = (e.macs ?? 0) + macs;
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
    simdCeilingGmacPerSec: tf.getBackend() === "wasm" ? simdMacCeilingGmacPerSec(tf.backend() as unknown as WasmBackend) : null,
  };
}

/** The profile as text lines: families, then the `top` slowest kernels. */
export function formatStepProfile(p: StepProfile, top = 10): string[] {
  const lines = [
    `step ${p.stepMs.toFixed(2)} ms wall (unprofiled median); ${p.kernelCalls} kernel calls, ${p.kernelMs.toFixed(2)} ms in kernels under tf.profile` +
      (p.stepMs > p.kernelMs ? `; ${(p.stepMs - p.kernelMs).toFixed(2)} ms outside kernels (dispatch, allocation, autodiff)` : " (profiling inflates kernel times)"),
  ];
  for (const f of p.families) lines.push(`  ${f.family.padEnd(24)} ${f.ms.toFixed(2).padStart(8)} ms ${String(f.calls).padStart(5)} calls`);
  if (p.simdCeilingGmacPerSec !== null) {
    lines.push(`  SIMD multiply-add ceiling of this machine: ${p.simdCeilingGmacPerSec.toFixed(1)} GMAC/s (f32x4 multiply-adds on L1-resident data: simd.wat mac_peak)`);
  }
  for (const k of p.kernels.slice(0, top)) {
    const rate = k.macs !== null && k.ms > 0 ? `  ${(k.macs / (k.ms * 1e6)).toFixed(1).padStart(5)} GMAC/s (${(k.macs / 1e6).toFixed(1)} M MACs)` : "";
    lines.push(`    ${k.name.padEnd(36)} ${k.ms.toFixed(2).padStart(8)} ms ${String(k.calls).padStart(5)} calls${rate}`);
  }
  return lines;
}
