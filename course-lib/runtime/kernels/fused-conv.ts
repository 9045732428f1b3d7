// Conv2D + bias + ReLU as one forward kernel with lazy gradients on wasm (tf.fused.conv2d).
//
// Every tfjs-layers conv2d layer calls tf.fused.conv2d({x, filter, bias, activation}). In training
// tfjs-core then either (relu) falls back to conv2d, add and relu — three kernels and three passes
// where XNNPACK applies bias and ReLU inside the convolution for free — or (linear) wraps the fused
// kernel in a customGrad whose gradient computes the input gradient eagerly, even for a network's first
// layer whose input (the images) needs none: PhiNet-like's stem spent ~14 ms per step on it.
//
// fusedConv2d runs the wasm backend's FusedConv2D kernel under the course kernel name CourseFusedConv2D,
// whose registered gradient gives one closure per input, so the engine calls only those on the path to
// a trainable variable: dx is skipped for the first layer. The activation gradient is one SIMD pass
// (CourseReluGrad on the saved output: y > 0 exactly when the pre-activation is > 0, as tfjs-core's
// fused gradient uses step(y)); dW and dx are the course's Conv2DBackpropFilter / Conv2DBackpropInput;
// the bias gradient is the channel sum.
//
// installFusedConv2d() puts fusedConv2d in tfjs-core's CommonJS `fused` object, which tfjs-layers reads
// at call time (tsx scripts, tslab notebooks, the benchmark), as installFusedMoments does for moments.
// Anything the fused path does not cover (other backends, activations, dilations, NCHW, rank 3, prelu,
// a bias that is not one value per output channel) runs tfjs-core's own op unchanged.
import * as tf from "@tensorflow/tfjs";
import { isOneChannelConv, oneChannelConvForward } from "./conv-direct";
import { Attrs, Inputs, runStock, WasmBackend } from "./wasm-util";

/** XNNPACK's fused convolution, or the direct loop for one input channel (conv-direct.ts). */
export function fusedConv2DForward(args: { inputs: Inputs; backend: WasmBackend; attrs: Attrs }): tf.TensorInfo {
  const { inputs: { x, filter, bias }, backend, attrs } = args;
  const activation = attrs.activation ?? "linear";
  if (x.dtype === "float32" && x.shape.length === 4 && (activation === "relu" || activation === "linear")) {
    const c = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number], filter.shape as [number, number, number, number],
      attrs.strides as [number, number], (attrs.dilations as [number, number] | undefined) ?? 1, attrs.pad as "same",
      attrs.dimRoundingMode as "round" | undefined, false, "channelsLast",
    );
    if (isOneChannelConv(c)) return oneChannelConvForward(backend, x, filter, bias ?? null, c, activation === "relu");
  }
  return runStock("FusedConv2D", args.inputs, args.attrs, args.backend);
}


type FusedConv2dArgs = Parameters<typeof tf.fused.conv2d>[0];
type FusedConv2dFn = (args: FusedConv2dArgs) => tf.Tensor;

let stockFusedConv2d: FusedConv2dFn | undefined;
let gradientRegistered = false;

function registerFusedConvGradient(): void {
  if (gradientRegistered) return;
  tf.registerGradient({
    kernelName: "CourseFusedConv2D",
    inputsToSave: ["x", "filter"],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [x, filter, y] = saved;
      const { strides, pad, dimRoundingMode, activation } = attrs as unknown as {
        strides: [number, number]; pad: unknown; dimRoundingMode: unknown; activation: string;
      };
      // Needed by every input's gradient, so computed here once (the engine disposes it after the
      // backward pass; the per-input closures run in their own tidy scopes).
      const dyAct = activation === "relu"
        ? (tf.engine().runKernel("CourseReluGrad", { x: y, dy: dy as tf.Tensor }) as tf.Tensor)
        : (dy as tf.Tensor);
      const convAttrs = { strides, pad, dataFormat: "NHWC", dimRoundingMode };
      return {
        x: () => tf.engine().runKernel("Conv2DBackpropInput", { dy: dyAct, filter }, { ...convAttrs, inputShape: x.shape } as unknown as tf.NamedAttrMap) as tf.Tensor,
        filter: () => tf.engine().runKernel("Conv2DBackpropFilter", { x, dy: dyAct }, { ...convAttrs, filterShape: filter.shape } as unknown as tf.NamedAttrMap) as tf.Tensor,
        bias: () => tf.sum(dyAct, [0, 1, 2]),
      };
    },
  });
  gradientRegistered = true;
}

function isOnes(v: unknown): boolean {
  return v === undefined || v === null || v === 1 || (Array.isArray(v) && v.every((d) => d === 1));
}

/**
 * tf.fused.conv2d with the course's fused kernel and lazy gradients on wasm (NHWC, rank-4 float32 x,
 * activation relu or linear, dilation 1, bias absent or one value per output channel); tfjs-core's op
 * otherwise. Installed as tfjs-core's `fused.conv2d` by installFusedConv2d; also callable directly.
 */
export function fusedConv2d(args: FusedConv2dArgs): tf.Tensor4D {
  const { x, filter, strides, pad, dataFormat = "NHWC", dilations, dimRoundingMode, bias, activation = "linear", preluActivationWeights } = args;
  if (
    tf.getBackend() === "wasm" && tf.getKernel("CourseFusedConv2D", "wasm") &&
    x instanceof tf.Tensor && x.rank === 4 && x.dtype === "float32" &&
    filter instanceof tf.Tensor && filter.rank === 4 && filter.dtype === "float32" && filter.shape[2] === x.shape[3] &&
    dataFormat === "NHWC" && (activation === "relu" || activation === "linear") && preluActivationWeights == null && isOnes(dilations) &&
    (bias == null || (bias instanceof tf.Tensor && bias.dtype === "float32" && bias.rank === 1 && bias.shape[0] === filter.shape[3]))
  ) {
    registerFusedConvGradient();
    // Validates strides/pad/dimRoundingMode with tfjs-core's own messages before the kernel runs.
    tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filter.shape as [number, number, number, number],
      strides, 1, pad as "same", dimRoundingMode);
    const inputs: Record<string, tf.Tensor> = bias == null ? { x, filter } : { x, filter, bias: bias as tf.Tensor };
    const attrs = { strides, pad, dataFormat: "NHWC", dilations: [1, 1], dimRoundingMode, activation };
    return tf.engine().runKernel("CourseFusedConv2D", inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
  }
  return (stockFusedConv2d ?? tf.fused.conv2d)(args) as tf.Tensor4D;
}

/**
 * Replaces tfjs-core's `fused.conv2d` (the CommonJS `fused` object that tf.fused and tfjs-layers' conv
 * layers read at call time) with fusedConv2d, once. Under vitest tfjs is an ES module whose namespace
 * cannot change: there the layers keep the stock op, and the tests call fusedConv2d directly.
 */
export function installFusedConv2d(): void {
  registerFusedConvGradient();
  if (stockFusedConv2d) return;
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const core = require("@tensorflow/tfjs-core") as { fused: { conv2d: FusedConv2dFn } };
  const stock = core.fused.conv2d;
  if (stock === fusedConv2d) return;
  try {
    core.fused.conv2d = fusedConv2d as FusedConv2dFn;
  } catch {
    return; // a frozen ES-module namespace: keep the stock op (see above)
  }
  if (core.fused.conv2d === fusedConv2d) stockFusedConv2d = stock;
}
