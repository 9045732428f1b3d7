// Layer builders for the blocks the lectures use (tfjs layers API, channels-last). Each builder takes a
// SymbolicTensor and returns a SymbolicTensor, so the functional API composes them:
//
//   const input = tf.input({ shape: [32, 32, 3] });
//   let x = conv(input, { filters: 16, kernel: 3, stride: 2, bias: false });
//   x = invertedResidualBlock(x, { out: 16, expansion: 4, squeezeExcite: { ratio: 4 } });
//   const model = tf.model({ inputs: input, outputs: x });
//
// Before adding layers, every builder checks its arguments against the input shape with the closed-form
// cost functions in cost.ts, so a bad channel count, a kernel larger than the input or a bad group count
// fails here with a message naming the value, not deep inside tfjs. Blocks use the same plans as the cost
// functions, so what is built is exactly what cost.ts costs.
import * as tf from "@tensorflow/tfjs";
import { HardSwish } from "./hard-swish";
import {
  conv2dCost, denseCost, depthwiseConvCost, invertedResidualPlan, requirePositiveInteger, residualPlan,
  type DepthwiseSeparableOptions, type InvertedResidualOptions, type Padding, type ResidualBlockOptions,
} from "./cost";

export type SymbolicTensor = tf.SymbolicTensor;
export type ActivationKind = "relu" | "relu6" | "hard-swish" | "linear";

/** The (H, W, C) of a channels-last image tensor; throws unless the rank and sizes are known. */
export function imageShape(x: SymbolicTensor, fn: string): [number, number, number] {
  const s = x.shape;
  if (s.length !== 4 || s.slice(1).some((d) => d == null)) {
    throw new RangeError(`${fn}: expected a [batch, H, W, C] input with known H, W, C, got shape ${JSON.stringify(s)}`);
  }
  return [s[1] as number, s[2] as number, s[3] as number];
}

function channels(x: SymbolicTensor, fn: string): number {
  const c = x.shape[x.shape.length - 1];
  if (c == null) throw new RangeError(`${fn}: the last (channel) axis of the input must be known, got shape ${JSON.stringify(x.shape)}`);
  return c;
}

function apply(layer: tf.layers.Layer, x: SymbolicTensor | SymbolicTensor[]): SymbolicTensor {
  return layer.apply(x) as SymbolicTensor;
}

function sub(name: string | undefined, part: string): string | undefined {
  return name === undefined ? undefined : `${name}_${part}`;
}

/** ReLU, ReLU6 (tf ReLU layer with maxValue 6), hard-swish (the registered HardSwish layer) or nothing. */
export function activation(x: SymbolicTensor, kind: ActivationKind, name?: string): SymbolicTensor {
  switch (kind) {
    case "linear":
      return x;
    case "relu":
      return apply(tf.layers.reLU({ name }), x);
    case "relu6":
      return apply(tf.layers.reLU({ maxValue: 6, name }), x);
    case "hard-swish":
      return apply(new HardSwish({ name }), x);
    default:
      throw new RangeError(`activation: kind must be "relu", "relu6", "hard-swish" or "linear", got ${JSON.stringify(kind)}`);
  }
}

export interface DenseOptions {
  units: number;
  bias?: boolean;
  activation?: ActivationKind;
  name?: string;
}

/** Fully connected layer on the last axis (tfjs Dense), optionally followed by an activation layer. */
export function dense(x: SymbolicTensor, options: DenseOptions): SymbolicTensor {
  denseCost({ inUnits: channels(x, "dense"), outUnits: options.units, bias: options.bias }); // validates
  const y = apply(tf.layers.dense({ units: options.units, useBias: options.bias ?? true, name: options.name }), x);
  return activation(y, options.activation ?? "linear", sub(options.name, "act"));
}

export interface ConvOptions {
  filters: number;
  kernel: number | [number, number];
  stride?: number | [number, number];
  /** "same" (default), "valid" or a number of zero pixels added on every side (a ZeroPadding2D layer). */
  padding?: Padding;
  dilation?: number | [number, number];
  bias?: boolean;
  activation?: ActivationKind;
  name?: string;
}

/** Explicit numeric padding becomes a ZeroPadding2D layer followed by a "valid" conv (tfjs convs take only same/valid). */
function padded(x: SymbolicTensor, padding: Padding, name: string | undefined): { x: SymbolicTensor; padding: "same" | "valid" } {
  if (padding === "same" || padding === "valid") return { x, padding };
  if (padding === 0) return { x, padding: "valid" };
  return { x: apply(tf.layers.zeroPadding2d({ padding, name: sub(name, "pad") }), x), padding: "valid" };
}

/** Standard 2-D convolution (tfjs Conv2D). */
export function conv(x: SymbolicTensor, options: ConvOptions): SymbolicTensor {
  const [h, w, cIn] = imageShape(x, "conv");
  const padding = options.padding ?? "same";
  conv2dCost({ cIn, cOut: options.filters, k: options.kernel, h, w, stride: options.stride, padding, dilation: options.dilation }, "conv");
  const p = padded(x, padding, options.name);
  const y = apply(
    tf.layers.conv2d({
      filters: options.filters, kernelSize: options.kernel, strides: options.stride ?? 1, padding: p.padding,
      dilationRate: options.dilation ?? 1, useBias: options.bias ?? true, name: options.name,
    }),
    p.x,
  );
  return activation(y, options.activation ?? "linear", sub(options.name, "act"));
}

/** 1x1 convolution (mixes channels only). */
export function pointwiseConv(
  x: SymbolicTensor,
  options: { filters: number; stride?: number; bias?: boolean; activation?: ActivationKind; name?: string },
): SymbolicTensor {
  return conv(x, { ...options, kernel: 1, padding: "valid" });
}

export interface DepthwiseConvOptions {
  kernel: number | [number, number];
  stride?: number | [number, number];
  depthMultiplier?: number;
  padding?: Padding;
  dilation?: number | [number, number];
  bias?: boolean;
  activation?: ActivationKind;
  name?: string;
}

/** Depthwise convolution (tfjs DepthwiseConv2D): one kxk filter per input channel, times depthMultiplier. */
export function depthwiseConv(x: SymbolicTensor, options: DepthwiseConvOptions): SymbolicTensor {
  const [h, w, c] = imageShape(x, "depthwiseConv");
  const padding = options.padding ?? "same";
  depthwiseConvCost({ c, k: options.kernel, h, w, stride: options.stride, padding, depthMultiplier: options.depthMultiplier, dilation: options.dilation });
  const p = padded(x, padding, options.name);
  const y = apply(
    tf.layers.depthwiseConv2d({
      kernelSize: options.kernel, strides: options.stride ?? 1, padding: p.padding, depthMultiplier: options.depthMultiplier ?? 1,
      dilationRate: options.dilation ?? 1, useBias: options.bias ?? true, name: options.name,
    }),
    p.x,
  );
  return activation(y, options.activation ?? "linear", sub(options.name, "act"));
}

/** Batch normalisation over the channel (last) axis. */
export function batchNorm(x: SymbolicTensor, options: { momentum?: number; epsilon?: number; name?: string } = {}): SymbolicTensor {
  requirePositiveInteger(channels(x, "batchNorm"), "channels", "batchNorm");
  return apply(tf.layers.batchNormalization({ axis: -1, momentum: options.momentum ?? 0.99, epsilon: options.epsilon ?? 1e-3, name: options.name }), x);
}

/**
 * Depthwise-separable conv as in MobileNet v1: depthwise -> BN -> act -> pointwise -> BN -> act (convs
 * without bias, since BN's beta does that job). Cost: depthwiseSeparableBlockCost().
 */
export function depthwiseSeparableConv(
  x: SymbolicTensor,
  options: DepthwiseSeparableOptions & { activation?: ActivationKind; name?: string },
): SymbolicTensor {
  const act = options.activation ?? "relu6";
  const n = options.name;
  let y = depthwiseConv(x, { kernel: options.kernel ?? 3, stride: options.stride, depthMultiplier: options.depthMultiplier, bias: false, name: sub(n, "dw") });
  y = activation(batchNorm(y, { name: sub(n, "dw_bn") }), act, sub(n, "dw_act"));
  y = pointwiseConv(y, { filters: options.filters, bias: false, name: sub(n, "pw") });
  return activation(batchNorm(y, { name: sub(n, "pw_bn") }), act, sub(n, "pw_act"));
}

/**
 * ResNet bottleneck, wide-narrow-wide (see residualBlockCost for the exact layers). The identity skip is
 * used when stride is 1 and the channel count is unchanged; otherwise the skip is a 1x1 projection + BN.
 */
export function residualBlock(x: SymbolicTensor, options: ResidualBlockOptions & { name?: string }): SymbolicTensor {
  const [h, w, cIn] = imageShape(x, "residualBlock");
  const p = residualPlan(cIn, options);
  conv2dCost({ cIn: p.narrow, cOut: p.narrow, k: p.kernel, h, w, stride: p.stride }, "residualBlock"); // kernel vs input
  const n = options.name;
  let y = pointwiseConv(x, { filters: p.narrow, bias: false, name: sub(n, "reduce") });
  y = activation(batchNorm(y, { name: sub(n, "reduce_bn") }), "relu", sub(n, "reduce_act"));
  y = conv(y, { filters: p.narrow, kernel: p.kernel, stride: p.stride, bias: false, name: sub(n, "conv") });
  y = activation(batchNorm(y, { name: sub(n, "conv_bn") }), "relu", sub(n, "conv_act"));
  let shortcut = x;
  if (p.projection) {
    shortcut = pointwiseConv(x, { filters: p.out, stride: p.stride, bias: false, name: sub(n, "proj") });
    shortcut = batchNorm(shortcut, { name: sub(n, "proj_bn") });
  }
  y = pointwiseConv(y, { filters: p.out, bias: false, name: sub(n, "expand") });
  y = batchNorm(y, { name: sub(n, "expand_bn") });
  y = apply(tf.layers.add({ name: sub(n, "add") }), [y, shortcut]);
  return activation(y, "relu", sub(n, "out_act"));
}

/**
 * Squeeze-and-excite: global average pool -> dense(units, relu) -> dense(C, sigmoid) -> reshape to
 * [1, 1, C] -> multiply with the input (tfjs Multiply broadcasts the [1, 1, C] gate over H and W).
 */
export function squeezeExcite(x: SymbolicTensor, options: { units: number; name?: string }): SymbolicTensor {
  imageShape(x, "squeezeExcite");
  const c = channels(x, "squeezeExcite");
  requirePositiveInteger(options.units, "units", "squeezeExcite");
  const n = options.name;
  let g = apply(tf.layers.globalAveragePooling2d({ name: sub(n, "squeeze") }), x);
  g = apply(tf.layers.dense({ units: options.units, activation: "relu", name: sub(n, "reduce") }), g);
  g = apply(tf.layers.dense({ units: c, activation: "sigmoid", name: sub(n, "excite") }), g);
  g = apply(tf.layers.reshape({ targetShape: [1, 1, c], name: sub(n, "gate") }), g);
  return apply(tf.layers.multiply({ name: sub(n, "scale") }), [x, g]);
}

/**
 * MobileNetV2/V3 inverted residual, narrow-wide-narrow (see invertedResidualBlockCost for the exact
 * layers): 1x1 expand, depthwise, optional squeeze-and-excite, linear 1x1 project, identity skip when
 * stride is 1 and input and output channels match.
 */
export function invertedResidualBlock(
  x: SymbolicTensor,
  options: InvertedResidualOptions & { activation?: ActivationKind; name?: string },
): SymbolicTensor {
  const [h, w, cIn] = imageShape(x, "invertedResidualBlock");
  const p = invertedResidualPlan(cIn, options);
  depthwiseConvCost({ c: p.wide, k: p.kernel, h, w, stride: p.stride }); // kernel vs input
  const act = options.activation ?? "relu6";
  const n = options.name;
  let y = x;
  if (p.expand) {
    y = pointwiseConv(y, { filters: p.wide, bias: false, name: sub(n, "expand") });
    y = activation(batchNorm(y, { name: sub(n, "expand_bn") }), act, sub(n, "expand_act"));
  }
  y = depthwiseConv(y, { kernel: p.kernel, stride: p.stride, bias: false, name: sub(n, "dw") });
  y = activation(batchNorm(y, { name: sub(n, "dw_bn") }), act, sub(n, "dw_act"));
  if (p.seUnits > 0) y = squeezeExcite(y, { units: p.seUnits, name: sub(n, "se") });
  y = pointwiseConv(y, { filters: p.out, bias: false, name: sub(n, "project") });
  y = batchNorm(y, { name: sub(n, "project_bn") });
  if (p.skip) y = apply(tf.layers.add({ name: sub(n, "add") }), [y, x]);
  return y;
}
