// Compound scaling (EfficientNet, Tan & Le, ICML 2019): grow a baseline network's depth by alpha^phi,
// its width (channels) by beta^phi and its input resolution by gamma^phi together, with
// alpha * beta^2 * gamma^2 ≈ 2 so that each step of phi roughly doubles the MACs. Lesson 02 uses it to
// show how the three knobs couple: parameters grow with depth x width^2, MACs with depth x width^2 x
// resolution^2 and peak activation RAM with width x resolution^2 (not with depth), so a microcontroller's
// RAM and flash limits bind at different phi. Lesson 04 builds hardware-aware scaling on top.
import * as tf from "@tensorflow/tfjs";
import { requirePositiveInteger } from "./cost";
import { conv, batchNorm, activation, invertedResidualBlock, dense } from "./layers";

/** EfficientNet-B0's grid-searched coefficients (alpha * beta^2 * gamma^2 = 1.92). */
export const EFFICIENTNET_COEFFICIENTS = Object.freeze({ alpha: 1.2, beta: 1.1, gamma: 1.15 });

export interface ScalingCoefficients {
  alpha: number;
  beta: number;
  gamma: number;
}

export interface CompoundFactors {
  phi: number;
  depth: number;
  width: number;
  resolution: number;
  /** Ideal MAC growth (alpha * beta^2 * gamma^2)^phi, before rounding to whole layers, channels and pixels. */
  macs: number;
}

/** The multipliers for a given phi. */
export function compoundFactors(phi: number, coefficients: ScalingCoefficients = EFFICIENTNET_COEFFICIENTS): CompoundFactors {
  if (typeof phi !== "number" || !Number.isFinite(phi)) throw new RangeError(`compoundFactors: phi must be a finite number, got ${String(phi)}`);
  const { alpha, beta, gamma } = coefficients;
  for (const [name, v] of Object.entries({ alpha, beta, gamma })) {
    if (!(typeof v === "number" && v >= 1)) throw new RangeError(`compoundFactors: ${name} must be a number >= 1, got ${String(v)}`);
  }
  return { phi, depth: alpha ** phi, width: beta ** phi, resolution: gamma ** phi, macs: (alpha * beta ** 2 * gamma ** 2) ** phi };
}

/** A small MobileNetV2-like baseline: a stem conv, stages of inverted residual blocks, a classifier. */
export interface BaselineSpec {
  /** Input side in pixels (square RGB input). */
  resolution: number;
  /** Stem channels. */
  stemChannels: number;
  /** Per stage: output channels, blocks, stride of the first block. */
  stages: { channels: number; blocks: number; stride: number }[];
  classes: number;
  /** Expansion factor of the inverted residual blocks. */
  expansion: number;
}

export const TINY_BASELINE: BaselineSpec = Object.freeze({
  resolution: 64,
  stemChannels: 8,
  stages: [
    { channels: 8, blocks: 1, stride: 1 },
    { channels: 16, blocks: 2, stride: 2 },
    { channels: 24, blocks: 2, stride: 2 },
    { channels: 32, blocks: 1, stride: 2 },
  ],
  classes: 10,
  expansion: 4,
}) as BaselineSpec;

/** Rounds channels to a multiple of `divisor` (as MobileNet and EfficientNet do), never below `divisor`. */
export function roundChannels(channels: number, divisor = 4): number {
  return Math.max(divisor, Math.round(channels / divisor) * divisor);
}

/**
 * The baseline scaled by `factors`: blocks per stage rounded to the nearest whole number (at least 1;
 * EfficientNet rounds up, which with stages of 1-2 blocks jumps at the first step of phi), channels to
 * multiples of 4, resolution to multiples of 8.
 */
export function scaleBaseline(base: BaselineSpec, factors: CompoundFactors): BaselineSpec {
  return {
    ...base,
    resolution: Math.max(8, Math.round((base.resolution * factors.resolution) / 8) * 8),
    stemChannels: roundChannels(base.stemChannels * factors.width),
    stages: base.stages.map((s) => ({ ...s, channels: roundChannels(s.channels * factors.width), blocks: Math.max(1, Math.round(s.blocks * factors.depth)) })),
  };
}

/** Builds the (scaled) baseline as a tfjs model (random weights: for costing, not for training as is). */
export function buildBaseline(spec: BaselineSpec, name = "baseline"): tf.LayersModel {
  requirePositiveInteger(spec.resolution, "resolution", "buildBaseline");
  const input = tf.input({ shape: [spec.resolution, spec.resolution, 3] });
  let x = conv(input, { filters: spec.stemChannels, kernel: 3, stride: 2, bias: false });
  x = activation(batchNorm(x), "relu6");
  for (const stage of spec.stages) {
    for (let b = 0; b < stage.blocks; b++) {
      x = invertedResidualBlock(x, { out: stage.channels, expansion: spec.expansion, stride: b === 0 ? stage.stride : 1 });
    }
  }
  x = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  x = dense(x, { units: spec.classes });
  return tf.model({ inputs: input, outputs: x, name });
}
