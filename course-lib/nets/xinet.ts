// XiNet (Ancilotto, Paissan, Farella, "XiNet: efficient neural networks for tinyML", ICCV 2023) as a
// tfjs LayersModel, channels-last, with the same layer schedule as micromind v0.2.1's PyTorch XiNet:
// same parameter count, conv/dense MACs and output shape for the same options (checked against
// fixtures/reference-counts.json). Options, schedule and the reference quirks kept on purpose are in
// xinet-plan.ts; the closed-form cost is xinet-cost.ts.
//
//   const model = xinet({ inputShape: [3, 96, 96], alpha: 0.5, gamma: 4, includeTop: true, numClasses: 10 });
//
// inputShape is micromind's [C, H, W] by default (inputLayout "hwc" for [H, W, C]); the model's input is
// always channels-last [batch, H, W, C]. SiLU is tfjs's "swish" activation (x * sigmoid(x)).
import * as tf from "@tensorflow/tfjs";
import { resolvePadding } from "./common";
import { xinetPlan, type XiNetOptions, type XiNetPlan } from "./xinet-plan";

export type { XiNetOptions } from "./xinet-plan";

type T = tf.SymbolicTensor;
const apply = (layer: tf.layers.Layer, x: T | T[]): T => layer.apply(x) as T;
const conv = (x: T, filters: number, kernelSize: number, name: string, padding: "same" | "valid" = "valid", strides = 1): T =>
  apply(tf.layers.conv2d({ filters, kernelSize, strides, padding, useBias: false, name }), x);
// PyTorch BatchNorm2d defaults (eps 1e-5, momentum 0.1 = tfjs momentum 0.9).
const bn = (x: T, name: string): T => apply(tf.layers.batchNormalization({ axis: -1, epsilon: 1e-5, momentum: 0.9, name }), x);
const silu = (x: T, name: string): T => apply(tf.layers.activation({ activation: "swish", name }), x);

/** Builds a XiNet (see xinet-plan.ts for the options and the schedule). */
export function xinet(options: XiNetOptions): tf.LayersModel {
  return buildXiNet(xinetPlan(options));
}

export function buildXiNet(plan: XiNetPlan): tf.LayersModel {
  const [h, w, c] = plan.input;
  const input = tf.input({ shape: [h, w, c], name: "input" });
  let x: T = input;
  const r = resolvePadding(h, w, 7, 2, [3, 3, 3, 3]);
  if (r.mode === "zeroPad") x = apply(tf.layers.zeroPadding2d({ padding: [[3, 3], [3, 3]], name: "stem_pad" }), x);
  x = conv(x, plan.stem.out, 7, "stem_conv", r.mode === "same" ? "same" : "valid", 2);
  x = silu(bn(x, "stem_bn"), "stem_act");
  let skipSource: T | null = null;
  const extra: T[] = [];
  plan.layers.forEach((layer, index) => {
    const n = `xiconv${index}`;
    let s: T | null = null;
    if (layer.skip) {
      s = skipSource as T;
      if (layer.skip.window) {
        s = apply(tf.layers.averagePooling2d({ poolSize: layer.skip.window.pool, strides: layer.skip.window.stride, padding: "valid", name: `${n}_skip_pool` }), s);
      }
      s = conv(s, layer.compressed, 1, `${n}_skip_conv`);
    }
    if (layer.compression > 1) x = conv(x, layer.compressed, 1, `${n}_compress`);
    if (s) x = apply(tf.layers.add({ name: `${n}_skip_add` }), [x, s]);
    if (layer.pool) x = apply(tf.layers.maxPooling2d({ poolSize: 2, strides: 2, padding: "valid", name: `${n}_pool` }), x);
    x = silu(bn(conv(x, layer.cOut, 3, `${n}_conv`, "same"), `${n}_bn`), `${n}_act`);
    if (layer.attention > 0) {
      let att = conv(x, layer.attention, 1, `${n}_att_pw`);
      att = apply(tf.layers.activation({ activation: "sigmoid", name: `${n}_att_gate` }), conv(att, layer.cOut, 3, `${n}_att_conv`, "same"));
      x = apply(tf.layers.multiply({ name: `${n}_att_scale` }), [x, att]);
    }
    if (index === 0) skipSource = x;
    if (plan.returnLayers.includes(index)) extra.push(x);
  });
  if (plan.head) {
    x = apply(tf.layers.globalAveragePooling2d({ name: "head_pool" }), x);
    x = apply(tf.layers.dense({ units: plan.head.classes, useBias: true, name: "head_logits" }), x);
  }
  return tf.model({ inputs: input, outputs: extra.length > 0 ? [x, ...extra] : x, name: "xinet" });
}
