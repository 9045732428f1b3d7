// Closed-form cost functions for the building blocks of tiny CNNs: parameters, MACs and output shape
// computed from (cIn, cOut, k, stride, groups, H, W, padding) alone, without building a model. The
// lectures derive these formulas by hand; the profiler (course-lib/profiler/profile.ts) measures real
// tfjs models independently and the tests check that the two agree on every primitive.
//
// Conventions (used everywhere in course-lib, stated once here):
// - Tensors are channels-last (H, W, C) and batch size is 1.
// - MACs count only the multiply-accumulates of convolutions and dense layers:
//     conv:  out_h * out_w * out_c * (in_c / groups) * k_h * k_w
//     dense: in * out (times the number of positions when applied to a rank > 2 tensor)
//   Bias additions, batch-norm, activations, pooling, padding, reshapes and element-wise ops (the add of
//   a skip connection, the multiply of squeeze-and-excite) count 0 MACs. A bias is an addition, not a
//   multiply-accumulate: it adds C' parameters and 0 MACs (the lecture's slide counts it as a MAC;
//   lesson 02 shows both conventions side by side).
// - Parameters count every weight. `trainableParams` are kernels, biases and batch-norm gamma and beta;
//   `nonTrainableParams` are batch-norm moving mean and moving variance (tfjs stores them as
//   non-trainable weights and model.countParams() includes them); `params` is the sum of the two and
//   equals model.countParams().
// - Padding: "same" gives out = ceil(in / stride); "valid" gives out = floor((in - k_eff) / stride) + 1;
//   a number p pads p pixels on every side: out = floor((in + 2p - k_eff) / stride) + 1, where
//   k_eff = (k - 1) * dilation + 1.

export type Padding = "same" | "valid" | number;

/** Cost of one primitive or a composition of primitives. `outputShape` excludes the batch axis. */
export interface Cost {
  params: number;
  trainableParams: number;
  nonTrainableParams: number;
  macs: number;
  outputShape: number[];
}

export interface Conv2dSpec {
  cIn: number;
  cOut: number;
  /** Kernel size, square (k) or [k_h, k_w]. */
  k: number | [number, number];
  h: number;
  w: number;
  stride?: number | [number, number];
  groups?: number;
  padding?: Padding;
  dilation?: number | [number, number];
  /** Whether the conv has a bias (default true, as tfjs layers). */
  bias?: boolean;
}

function pair(value: number | [number, number], what: string, fn: string): [number, number] {
  const [a, b] = Array.isArray(value) ? value : [value, value];
  requirePositiveInteger(a, what, fn);
  requirePositiveInteger(b, what, fn);
  return [a, b];
}

/** Throws an error naming the function, the argument and the bad value unless `value` is an integer >= 1. */
export function requirePositiveInteger(value: number, what: string, fn: string): void {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw new RangeError(`${fn}: ${what} must be a positive integer, got ${String(value)}`);
  }
}

/** Output size along one spatial axis; throws when the (dilated) kernel is larger than the padded input. */
export function convOutputSize(
  inSize: number,
  k: number,
  stride: number,
  padding: Padding,
  dilation = 1,
  axis = "input",
  fn = "convOutputSize",
): number {
  requirePositiveInteger(inSize, `${axis} size`, fn);
  requirePositiveInteger(k, "kernel size", fn);
  requirePositiveInteger(stride, "stride", fn);
  requirePositiveInteger(dilation, "dilation", fn);
  const kEff = (k - 1) * dilation + 1;
  if (padding === "same") return Math.ceil(inSize / stride);
  let padded: number;
  if (padding === "valid") {
    padded = inSize;
  } else if (typeof padding === "number" && Number.isInteger(padding) && padding >= 0) {
    padded = inSize + 2 * padding;
  } else {
    throw new RangeError(`${fn}: padding must be "same", "valid" or a non-negative integer, got ${JSON.stringify(padding)}`);
  }
  if (kEff > padded) {
    throw new RangeError(
      `${fn}: kernel ${k}${dilation > 1 ? ` (dilated to ${kEff})` : ""} is larger than the padded ${axis} ` +
        `(${padded} = ${inSize} + padding ${JSON.stringify(padding)}); expected kernel <= padded input`,
    );
  }
  return Math.floor((padded - kEff) / stride) + 1;
}

/** Standard (optionally grouped) 2-D convolution. */
export function conv2dCost(spec: Conv2dSpec, fn = "conv2dCost"): Cost {
  const { cIn, cOut, h, w } = spec;
  const groups = spec.groups ?? 1;
  const bias = spec.bias ?? true;
  requirePositiveInteger(cIn, "cIn (input channels)", fn);
  requirePositiveInteger(cOut, "cOut (output channels)", fn);
  if (!Number.isInteger(groups) || groups < 1 || cIn % groups !== 0 || cOut % groups !== 0) {
    throw new RangeError(
      `${fn}: groups must be a positive integer dividing cIn (${cIn}) and cOut (${cOut}), got ${String(groups)}`,
    );
  }
  const [kh, kw] = pair(spec.k, "kernel size", fn);
  const [sh, sw] = pair(spec.stride ?? 1, "stride", fn);
  const [dh, dw] = pair(spec.dilation ?? 1, "dilation", fn);
  const padding = spec.padding ?? "same";
  const outH = convOutputSize(h, kh, sh, padding, dh, "input height", fn);
  const outW = convOutputSize(w, kw, sw, padding, dw, "input width", fn);
  const weights = kh * kw * (cIn / groups) * cOut + (bias ? cOut : 0);
  return {
    params: weights,
    trainableParams: weights,
    nonTrainableParams: 0,
    macs: outH * outW * cOut * (cIn / groups) * kh * kw,
    outputShape: [outH, outW, cOut],
  };
}

/** 1x1 convolution: mixes channels, no spatial context. */
export function pointwiseConvCost(spec: { cIn: number; cOut: number; h: number; w: number; stride?: number; bias?: boolean }): Cost {
  return conv2dCost({ ...spec, k: 1, padding: "valid" }, "pointwiseConvCost");
}

export interface DepthwiseConvSpec {
  /** Input channels. */
  c: number;
  k: number | [number, number];
  h: number;
  w: number;
  depthMultiplier?: number;
  stride?: number | [number, number];
  padding?: Padding;
  dilation?: number | [number, number];
  bias?: boolean;
}

/** Depthwise convolution: a conv with groups = cIn and cOut = cIn * depthMultiplier. */
export function depthwiseConvCost(spec: DepthwiseConvSpec): Cost {
  const fn = "depthwiseConvCost";
  requirePositiveInteger(spec.c, "c (input channels)", fn);
  const dm = spec.depthMultiplier ?? 1;
  requirePositiveInteger(dm, "depthMultiplier", fn);
  return conv2dCost({ ...spec, cIn: spec.c, cOut: spec.c * dm, groups: spec.c }, fn);
}

export interface SeparableConvSpec {
  cIn: number;
  cOut: number;
  k: number | [number, number];
  h: number;
  w: number;
  depthMultiplier?: number;
  stride?: number | [number, number];
  padding?: Padding;
  bias?: boolean;
}

/**
 * tfjs's fused SeparableConv2D layer: depthwise (no bias) then pointwise (with optional bias), no
 * batch-norm in between.
 */
export function separableConvCost(spec: SeparableConvSpec): Cost {
  const dw = depthwiseConvCost({ ...spec, c: spec.cIn, bias: false });
  const [h, w, c] = dw.outputShape;
  const pw = pointwiseConvCost({ cIn: c, cOut: spec.cOut, h, w, bias: spec.bias ?? true });
  return sumCosts([dw, pw]);
}

/** Batch normalisation over the channel axis: gamma, beta (trainable), moving mean and variance (not). */
export function batchNormCost(spec: { c: number; shape?: number[] }): Cost {
  requirePositiveInteger(spec.c, "c (channels)", "batchNormCost");
  return {
    params: 4 * spec.c,
    trainableParams: 2 * spec.c,
    nonTrainableParams: 2 * spec.c,
    macs: 0,
    outputShape: spec.shape ?? [spec.c],
  };
}

export interface PoolingSpec {
  /** Channels (pooling keeps them: one window per channel). */
  c: number;
  h: number;
  w: number;
  /** Window size, square (k) or [k_h, k_w]; "global" pools the whole H×W map to one value per channel. */
  pool: number | [number, number] | "global";
  /** Stride (default: the window size, as tfjs's pooling layers). */
  stride?: number | [number, number];
  /** Default "valid", as tfjs's pooling layers. */
  padding?: Padding;
}

/**
 * Max or average pooling: no parameters and 0 MACs, but each output reads its whole window: about one
 * comparison (max) or one addition (average) per window element, outH·outW·C·k_h·k_w in all
 * (`windowOps`; an average also divides once per output). Global pooling gives [C].
 */
export function poolingCost(spec: PoolingSpec): Cost & { windowOps: number } {
  const fn = "poolingCost";
  requirePositiveInteger(spec.c, "c (channels)", fn);
  requirePositiveInteger(spec.h, "input height", fn);
  requirePositiveInteger(spec.w, "input width", fn);
  if (spec.pool === "global") {
    return { params: 0, trainableParams: 0, nonTrainableParams: 0, macs: 0, outputShape: [spec.c], windowOps: spec.h * spec.w * spec.c };
  }
  const [kh, kw] = pair(spec.pool, "pool (window size)", fn);
  const [sh, sw] = pair(spec.stride ?? [kh, kw], "stride", fn);
  const padding = spec.padding ?? "valid";
  const outH = convOutputSize(spec.h, kh, sh, padding, 1, "input height", fn);
  const outW = convOutputSize(spec.w, kw, sw, padding, 1, "input width", fn);
  return {
    params: 0, trainableParams: 0, nonTrainableParams: 0, macs: 0,
    outputShape: [outH, outW, spec.c], windowOps: outH * outW * spec.c * kh * kw,
  };
}

/** Fully connected layer on the last axis; `positions` is how many vectors it is applied to (1 for a flat input). */
export function denseCost(spec: { inUnits: number; outUnits: number; bias?: boolean; positions?: number }): Cost {
  const fn = "denseCost";
  requirePositiveInteger(spec.inUnits, "inUnits", fn);
  requirePositiveInteger(spec.outUnits, "outUnits", fn);
  const positions = spec.positions ?? 1;
  requirePositiveInteger(positions, "positions", fn);
  const weights = spec.inUnits * spec.outUnits + (spec.bias ?? true ? spec.outUnits : 0);
  return {
    params: weights,
    trainableParams: weights,
    nonTrainableParams: 0,
    macs: positions * spec.inUnits * spec.outUnits,
    outputShape: [spec.outUnits],
  };
}

/** Adds costs; the output shape is the last one's (a chain of layers). */
export function sumCosts(costs: Cost[]): Cost {
  if (costs.length === 0) throw new RangeError("sumCosts: expected at least one cost, got an empty list");
  return {
    params: costs.reduce((s, c) => s + c.params, 0),
    trainableParams: costs.reduce((s, c) => s + c.trainableParams, 0),
    nonTrainableParams: costs.reduce((s, c) => s + c.nonTrainableParams, 0),
    macs: costs.reduce((s, c) => s + c.macs, 0),
    outputShape: costs[costs.length - 1].outputShape,
  };
}

// ---- Blocks. The plans below are shared with the layer builders (layers.ts) so that what is built and
// ---- what is costed are the same network by construction; the cost arithmetic itself is independent.

export interface DepthwiseSeparableOptions {
  filters: number;
  kernel?: number;
  stride?: number;
  depthMultiplier?: number;
}

/** MobileNet-v1 block as built by depthwiseSeparableConv(): depthwise -> BN -> act -> pointwise -> BN -> act. */
export function depthwiseSeparableBlockCost(spec: { cIn: number; h: number; w: number } & DepthwiseSeparableOptions): Cost {
  const dw = depthwiseConvCost({
    c: spec.cIn, k: spec.kernel ?? 3, h: spec.h, w: spec.w, stride: spec.stride ?? 1,
    depthMultiplier: spec.depthMultiplier ?? 1, padding: "same", bias: false,
  });
  const [h, w, c] = dw.outputShape;
  const pw = pointwiseConvCost({ cIn: c, cOut: spec.filters, h, w, bias: false });
  return sumCosts([dw, batchNormCost({ c }), pw, batchNormCost({ c: spec.filters, shape: pw.outputShape })]);
}

export interface ResidualBlockOptions {
  /** Channels of the narrow middle (the bottleneck). */
  narrow: number;
  /** Output channels (default: the input channels, so the identity skip applies). */
  out?: number;
  kernel?: number;
  stride?: number;
}

export interface ResidualPlan {
  cIn: number;
  narrow: number;
  out: number;
  kernel: number;
  stride: number;
  /** True when input and output shapes differ, so the skip path needs a 1x1 projection conv + BN. */
  projection: boolean;
}

export function residualPlan(cIn: number, options: ResidualBlockOptions): ResidualPlan {
  const fn = "residualBlock";
  requirePositiveInteger(cIn, "input channels", fn);
  requirePositiveInteger(options.narrow, "narrow (bottleneck channels)", fn);
  const out = options.out ?? cIn;
  requirePositiveInteger(out, "out (output channels)", fn);
  const kernel = options.kernel ?? 3;
  requirePositiveInteger(kernel, "kernel", fn);
  const stride = options.stride ?? 1;
  requirePositiveInteger(stride, "stride", fn);
  return { cIn, narrow: options.narrow, out, kernel, stride, projection: stride !== 1 || out !== cIn };
}

/**
 * ResNet bottleneck (wide-narrow-wide): 1x1 reduce -> BN -> ReLU -> kxk conv (stride) -> BN -> ReLU ->
 * 1x1 expand -> BN, added to the input (or to a 1x1 projection + BN of it), then ReLU. Convs have no bias.
 */
export function residualBlockCost(spec: { cIn: number; h: number; w: number } & ResidualBlockOptions): Cost {
  const p = residualPlan(spec.cIn, spec);
  const reduce = pointwiseConvCost({ cIn: p.cIn, cOut: p.narrow, h: spec.h, w: spec.w, bias: false });
  const mid = conv2dCost({ cIn: p.narrow, cOut: p.narrow, k: p.kernel, h: spec.h, w: spec.w, stride: p.stride, bias: false });
  const [h2, w2] = mid.outputShape;
  const expand = pointwiseConvCost({ cIn: p.narrow, cOut: p.out, h: h2, w: w2, bias: false });
  const parts = [reduce, batchNormCost({ c: p.narrow }), mid, batchNormCost({ c: p.narrow })];
  if (p.projection) {
    parts.push(pointwiseConvCost({ cIn: p.cIn, cOut: p.out, h: spec.h, w: spec.w, stride: p.stride, bias: false }));
    parts.push(batchNormCost({ c: p.out }));
  }
  parts.push(expand, batchNormCost({ c: p.out, shape: expand.outputShape }));
  return sumCosts(parts);
}

export interface InvertedResidualOptions {
  /** Output channels. */
  out: number;
  /** Expansion factor t: the wide middle has cIn * t channels (t = 1 skips the expand conv, as MobileNetV2). */
  expansion?: number;
  kernel?: number;
  stride?: number;
  /** Squeeze-and-excite on the wide middle; `ratio` r gives max(1, round(wide / r)) squeezed units. */
  squeezeExcite?: { ratio?: number } | false;
}

export interface InvertedResidualPlan {
  cIn: number;
  wide: number;
  out: number;
  kernel: number;
  stride: number;
  expand: boolean;
  /** Units of the squeeze dense layer, or 0 without squeeze-and-excite. */
  seUnits: number;
  /** Identity skip when stride is 1 and cIn equals out. */
  skip: boolean;
}

export function invertedResidualPlan(cIn: number, options: InvertedResidualOptions): InvertedResidualPlan {
  const fn = "invertedResidualBlock";
  requirePositiveInteger(cIn, "input channels", fn);
  requirePositiveInteger(options.out, "out (output channels)", fn);
  const expansion = options.expansion ?? 6;
  requirePositiveInteger(expansion, "expansion", fn);
  const kernel = options.kernel ?? 3;
  requirePositiveInteger(kernel, "kernel", fn);
  const stride = options.stride ?? 1;
  requirePositiveInteger(stride, "stride", fn);
  const wide = cIn * expansion;
  let seUnits = 0;
  if (options.squeezeExcite) {
    const ratio = options.squeezeExcite.ratio ?? 4;
    if (!(ratio > 0)) throw new RangeError(`${fn}: squeezeExcite.ratio must be > 0, got ${String(ratio)}`);
    seUnits = Math.max(1, Math.round(wide / ratio));
  }
  return { cIn, wide, out: options.out, kernel, stride, expand: expansion !== 1, seUnits, skip: stride === 1 && cIn === options.out };
}

/**
 * MobileNetV2/V3 inverted residual (narrow-wide-narrow): [1x1 expand -> BN -> act] -> kxk depthwise
 * (stride) -> BN -> act -> [squeeze-and-excite: global average pool -> dense(seUnits, relu) ->
 * dense(wide, sigmoid) -> multiply] -> 1x1 project -> BN (linear), plus the input when shapes allow.
 * Convs have no bias; the squeeze-and-excite dense layers do.
 */
export function invertedResidualBlockCost(spec: { cIn: number; h: number; w: number } & InvertedResidualOptions): Cost {
  const p = invertedResidualPlan(spec.cIn, spec);
  const parts: Cost[] = [];
  if (p.expand) {
    parts.push(pointwiseConvCost({ cIn: p.cIn, cOut: p.wide, h: spec.h, w: spec.w, bias: false }), batchNormCost({ c: p.wide }));
  }
  const dw = depthwiseConvCost({ c: p.wide, k: p.kernel, h: spec.h, w: spec.w, stride: p.stride, bias: false });
  parts.push(dw, batchNormCost({ c: p.wide }));
  if (p.seUnits > 0) {
    parts.push(denseCost({ inUnits: p.wide, outUnits: p.seUnits }), denseCost({ inUnits: p.seUnits, outUnits: p.wide }));
  }
  const [h2, w2] = dw.outputShape;
  const project = pointwiseConvCost({ cIn: p.wide, cOut: p.out, h: h2, w: w2, bias: false });
  parts.push(project, batchNormCost({ c: p.out, shape: project.outputShape }));
  return sumCosts(parts);
}
