// Registers the course's extra kernels and fused gradients for the wasm backend (call after the wasm
// backend is initialised: the overrides keep the stock kernels they wrap). Returns the names of the
// kernels registered.
//
// Missing from stock wasm (without them conv nets cannot train): Conv2DBackpropFilter,
// DepthwiseConv2dNativeBackpropFilter, DepthwiseConv2dNativeBackpropInput.
// Stock but slow or imprecise, replaced: Conv2DBackpropInput, MaxPoolGrad, Slice, Tile,
// Identity, Cast, GatherV2, Sum, Mean, FusedBatchNorm, BatchMatMul (transposed operands), Square,
// Sub and Add (per-channel broadcast).
// Course kernels used by fused gradients and ops (wasm only): CourseRelu6Grad, CourseReluGrad, CourseSquareGrad,
// CourseBatchNormGrad, CourseHardSwish, CourseHardSwishGrad, CourseAdamUpdate, CourseMoments(Grad), CourseFusedConv2D,
// CourseFusedMatMul.
// Gradients replaced while wasm is active (COURSE_WASM_GRADIENTS): Relu6, Relu, Square, Mean, FusedBatchNorm.
// tf.train.adam's applyGradients runs one fused CourseAdamUpdate per variable on wasm (adam.ts);
// tf.moments over all axes but the channels runs CourseMoments on wasm (moments.ts); tf.fused.conv2d
// (every tfjs-layers conv2d layer) runs CourseFusedConv2D with lazy gradients (fused-conv.ts; a one-channel
// input takes the direct loop of conv-direct.ts, which also computes filter gradients with CO % 8 == 0), and
// tf.fused.matMul (dense layers) CourseFusedMatMul (fused-matmul.ts).
import { adamUpdate, installFusedAdam } from "./adam";
import { batchNormGrad, fusedBatchNorm, registerBatchNormGradient } from "./batchnorm";
import { conv2DBackpropFilter, conv2DBackpropInput } from "./conv2d-grad";
import { cast, gatherV2, identity, slice, tile } from "./data-movement";
import { depthwiseConv2dNativeBackpropFilter, depthwiseConv2dNativeBackpropInput } from "./depthwise-grad";
import { add, square, sub } from "./elementwise";
import { registerElementwiseGradients, relu6Grad, reluGrad, squareGrad } from "./elementwise-grad";
import { fusedConv2DForward, installFusedConv2d } from "./fused-conv";
import { fusedMatMulForward, installFusedMatMul } from "./fused-matmul";
import { hardSwishForward, hardSwishGrad, registerHardSwishGradient } from "./hard-swish";
import { batchMatMul } from "./matmul";
import { installFusedMoments, moments, momentsGrad } from "./moments";
import { maxPoolGrad } from "./pool-grad";
import { mean, sum } from "./reductions";
import { CourseKernelFunc, registerWasmKernel } from "./wasm-util";

export { hardSwish } from "./hard-swish";
export { fusedMoments } from "./moments";
export { fusedConv2d } from "./fused-conv";
export { fusedMatMul } from "./fused-matmul";

/** Kernels with a tfjs name: each is tested against the cpu backend's kernel of the same name. */
export const COURSE_WASM_KERNELS: Record<string, CourseKernelFunc> = {
  Conv2DBackpropFilter: conv2DBackpropFilter,
  Conv2DBackpropInput: conv2DBackpropInput,
  DepthwiseConv2dNativeBackpropFilter: depthwiseConv2dNativeBackpropFilter,
  DepthwiseConv2dNativeBackpropInput: depthwiseConv2dNativeBackpropInput,
  MaxPoolGrad: maxPoolGrad,
  Slice: slice,
  Tile: tile,
  Identity: identity,
  Cast: cast,
  GatherV2: gatherV2,
  Sum: sum,
  Mean: mean,
  FusedBatchNorm: fusedBatchNorm,
  BatchMatMul: batchMatMul,
  Square: square,
  Sub: sub,
  Add: add,
};

/** The course's own kernels (no cpu counterpart: tested through the gradients/ops that use them). */
export const COURSE_FUSED_KERNELS: Record<string, CourseKernelFunc> = {
  CourseRelu6Grad: relu6Grad,
  CourseReluGrad: reluGrad,
  CourseSquareGrad: squareGrad,
  CourseBatchNormGrad: batchNormGrad,
  CourseHardSwish: hardSwishForward,
  CourseHardSwishGrad: hardSwishGrad,
  CourseAdamUpdate: adamUpdate,
  CourseMoments: moments,
  CourseMomentsGrad: momentsGrad,
  CourseFusedConv2D: fusedConv2DForward,
  CourseFusedMatMul: fusedMatMulForward,
};

export let COURSE_WASM_GRADIENTS: string[] = [];

export function registerCourseWasmKernels(): string[] {
  for (const [name, fn] of Object.entries(COURSE_WASM_KERNELS)) registerWasmKernel(name, fn);
  for (const [name, fn] of Object.entries(COURSE_FUSED_KERNELS)) registerWasmKernel(name, fn);
  COURSE_WASM_GRADIENTS = [...registerElementwiseGradients(), ...registerBatchNormGradient(), ...registerHardSwishGradient()];
  installFusedAdam();
  installFusedMoments();
  installFusedConv2d();
  installFusedMatMul();
  return [...Object.keys(COURSE_WASM_KERNELS), ...Object.keys(COURSE_FUSED_KERNELS)];
}
