// One PhiNet block on its own, for lesson 03 (notebooks/03-phinet-xinet.ipynb and its exercises): the
// expansion-factor schedule, the block's tfjs layers and its closed-form cost. The full network
// (phinet.ts, phinet-plan.ts) builds the same block inline; this file exposes it as a unit a learner can
// build, draw and cost. The reference answers of exercises 03.1-03.3 are these functions.
//
// The block (micromind v0.2.1's PhiNetConvBlock with block_id >= 1), input H×W×cIn:
//   expand   1×1 conv to E = max(1, int(t·cIn)) channels, no bias → BN → act
//   (spatial dropout 0.05 in training: no parameters, no MACs)
//   filter   k×k depthwise conv, stride s, no bias → BN → act
//   SE       global average pool → 1×1 conv to S = max(1, int(E/6)), no bias → act → 1×1 conv back to E,
//            no bias → sigmoid → multiply with the filtered tensor
//   project  1×1 conv to `out` channels, no bias → BN (linear: no activation)
//   skip     add the block's input when stride is 1 and cIn == out
// act is hard-swish by default (ReLU6 in "compatibility" mode). The depthwise conv here uses "same"
// padding; the full phinet() reproduces micromind's symmetric 1-pixel padding of stride-2 convs, which
// gives the same output size for 3×3 kernels (the only ones the lesson builds with stride 2).
import * as tf from "@tensorflow/tfjs";
import { HardSwish } from "../primitives/hard-swish";
import { batchNormCost, conv2dCost, depthwiseConvCost, requirePositiveInteger, sumCosts, type Cost } from "../primitives/cost";
import { expansionFactor } from "./phinet-plan";
import { pyInt } from "./common";

/**
 * Expansion factor of each block with an expansion (micromind block ids 1..numLayers):
 * t_b = t0·beta·b/N + t0·(N − b)/N, from t0 near the input to t0·beta at the last block.
 */
export function expansionSchedule(t0: number, beta: number, numLayers: number): number[] {
  const fn = "expansionSchedule";
  if (typeof t0 !== "number" || !Number.isFinite(t0) || t0 < 1) throw new RangeError(`${fn}: t0 must be a number >= 1, got ${String(t0)}`);
  if (typeof beta !== "number" || !Number.isFinite(beta) || beta <= 0) throw new RangeError(`${fn}: beta must be a number > 0, got ${String(beta)}`);
  if (!Number.isInteger(numLayers) || numLayers < 1) throw new RangeError(`${fn}: numLayers must be an integer >= 1, got ${String(numLayers)}`);
  return Array.from({ length: numLayers }, (_, i) => expansionFactor(t0, beta, i + 1, numLayers));
}

/** Channels after the 1×1 expansion: max(1, int(t·cIn)) (micromind's _make_divisible with divisor 1). */
export function expandedChannels(expansion: number, cIn: number): number {
  const fn = "expandedChannels";
  if (typeof expansion !== "number" || !Number.isFinite(expansion) || expansion <= 0) throw new RangeError(`${fn}: expansion must be a number > 0, got ${String(expansion)}`);
  requirePositiveInteger(cIn, "cIn", fn);
  return Math.max(1, pyInt(expansion * cIn));
}

export interface PhiNetBlockSpec {
  /** Expansion factor t (a float, e.g. from expansionSchedule). */
  expansion: number;
  /** Output channels. */
  out: number;
  /** Depthwise kernel size (default 3). */
  kernel?: number;
  /** Depthwise stride (default 1). */
  stride?: number;
  /** Squeeze-and-excite (default true). */
  squeezeExcite?: boolean;
  /** Activation (default "hard-swish"). */
  activation?: "hard-swish" | "relu6";
  /** Layer name prefix. */
  name?: string;
}

/** Channel counts and skip of a block with `cIn` input channels. */
export interface PhiNetBlockShape {
  cIn: number;
  expanded: number;
  seUnits: number;
  out: number;
  kernel: number;
  stride: number;
  skip: boolean;
}

export function phinetBlockShape(cIn: number, spec: PhiNetBlockSpec): PhiNetBlockShape {
  const fn = "phinetBlock";
  requirePositiveInteger(cIn, "cIn (input channels)", fn);
  requirePositiveInteger(spec.out, "out", fn);
  const kernel = spec.kernel ?? 3;
  const stride = spec.stride ?? 1;
  requirePositiveInteger(kernel, "kernel", fn);
  requirePositiveInteger(stride, "stride", fn);
  const expanded = expandedChannels(spec.expansion, cIn);
  const seUnits = spec.squeezeExcite ?? true ? Math.max(1, pyInt(expanded / 6)) : 0;
  return { cIn, expanded, seUnits, out: spec.out, kernel, stride, skip: stride === 1 && cIn === spec.out };
}

type T = tf.SymbolicTensor;
const apply = (layer: tf.layers.Layer, x: T | T[]): T => layer.apply(x) as T;
const named = (prefix: string | undefined, part: string): string | undefined => (prefix ? `${prefix}_${part}` : undefined);

/** Builds one PhiNet block on `x` ([batch, H, W, cIn]) with the tfjs layers API. */
export function phinetBlock(x: T, spec: PhiNetBlockSpec): T {
  if (!x || !Array.isArray(x.shape) || x.shape.length !== 4 || typeof x.shape[3] !== "number") {
    throw new Error(`phinetBlock: x must be a [batch, H, W, C] tensor with a known channel count, got shape ${JSON.stringify(x?.shape)}`);
  }
  const s = phinetBlockShape(x.shape[3] as number, spec);
  const n = spec.name;
  const act = (t: T, part: string): T =>
    (spec.activation ?? "hard-swish") === "hard-swish" ? apply(new HardSwish({ name: named(n, part) }), t) : apply(tf.layers.reLU({ maxValue: 6, name: named(n, part) }), t);
  // micromind's BatchNorm2d(eps=1e-3, momentum=0.999) in PyTorch's convention = tfjs momentum 0.001.
  const bn = (t: T, part: string): T => apply(tf.layers.batchNormalization({ axis: -1, epsilon: 1e-3, momentum: 0.001, name: named(n, part) }), t);
  const pw = (t: T, filters: number, part: string): T => apply(tf.layers.conv2d({ filters, kernelSize: 1, useBias: false, name: named(n, part) }), t);

  let y = act(bn(pw(x, s.expanded, "expand"), "expand_bn"), "expand_act");
  y = apply(tf.layers.dropout({ rate: 0.05, noiseShape: [null, 1, 1, s.expanded] as unknown as number[], name: named(n, "dropout") }), y);
  y = apply(tf.layers.depthwiseConv2d({ kernelSize: s.kernel, strides: s.stride, padding: "same", useBias: false, name: named(n, "dw") }), y);
  y = act(bn(y, "dw_bn"), "dw_act");
  if (s.seUnits > 0) {
    let g = apply(tf.layers.globalAveragePooling2d({ name: named(n, "se_pool") }), y);
    g = apply(tf.layers.reshape({ targetShape: [1, 1, s.expanded], name: named(n, "se_reshape") }), g);
    g = act(pw(g, s.seUnits, "se_reduce"), "se_act");
    g = apply(tf.layers.activation({ activation: "sigmoid", name: named(n, "se_gate") }), pw(g, s.expanded, "se_expand"));
    y = apply(tf.layers.multiply({ name: named(n, "se_scale") }), [y, g]);
  }
  y = bn(pw(y, s.out, "project"), "project_bn");
  return s.skip ? apply(tf.layers.add({ name: named(n, "add") }), [y, x]) : y;
}

export interface PhiNetBlockCost extends Cost {
  /** [H', W', out]. */
  outputShape: [number, number, number];
  /** The block's channel counts and skip. */
  shape: PhiNetBlockShape;
  /** Parameters and MACs per part of the block. */
  parts: { expand: Cost; depthwise: Cost; squeezeExcite: Cost | null; project: Cost };
}

/**
 * Closed-form cost of one PhiNet block on an h×w×cIn input. params = model.countParams() of the built
 * block (batch-norm counts 4 per channel: gamma, beta, moving mean and variance).
 */
export function phinetBlockCost(spec: { h: number; w: number; cIn: number } & PhiNetBlockSpec): PhiNetBlockCost {
  const s = phinetBlockShape(spec.cIn, spec);
  const { h, w } = spec;
  const expand = sumCosts([conv2dCost({ cIn: s.cIn, cOut: s.expanded, k: 1, h, w, padding: "valid", bias: false }), batchNormCost({ c: s.expanded })]);
  const dwConv = depthwiseConvCost({ c: s.expanded, k: s.kernel, h, w, stride: s.stride, padding: "same", bias: false });
  const depthwise = sumCosts([dwConv, batchNormCost({ c: s.expanded })]);
  const [oh, ow] = dwConv.outputShape;
  const squeezeExcite = s.seUnits > 0
    ? sumCosts([
      conv2dCost({ cIn: s.expanded, cOut: s.seUnits, k: 1, h: 1, w: 1, bias: false }),
      conv2dCost({ cIn: s.seUnits, cOut: s.expanded, k: 1, h: 1, w: 1, bias: false }),
    ])
    : null;
  const project = sumCosts([conv2dCost({ cIn: s.expanded, cOut: s.out, k: 1, h: oh, w: ow, padding: "valid", bias: false }), batchNormCost({ c: s.out })]);
  const total = sumCosts([expand, depthwise, ...(squeezeExcite ? [squeezeExcite] : []), project]);
  return { ...total, outputShape: [oh, ow, s.out], shape: s, parts: { expand, depthwise, squeezeExcite, project } };
}
