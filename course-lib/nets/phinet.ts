// PhiNet (Paissan et al., "PhiNets: a scalable backbone for low-power AI at the edge", ACM TECS 2022)
// as a tfjs LayersModel, channels-last, with the same layer schedule as micromind v0.2.1's PyTorch PhiNet:
// same parameter count, same conv/dense MACs and same output shape for the same options (checked against
// numbers measured on micromind in fixtures/reference-counts.json). The schedule, the options and the
// reference quirks kept on purpose are documented in phinet-plan.ts; the closed-form cost is phinet-cost.ts.
//
//   const model = phinet({ inputShape: [3, 96, 96], alpha: 0.5, includeTop: true, numClasses: 2 });
//   // input [batch, 96, 96, 3] (channels-last), output logits [batch, 2]
//
// inputShape is micromind's [C, H, W] by default; pass inputLayout: "hwc" to give [H, W, C]. The model's
// input tensor is always channels-last [batch, H, W, C]. Every option is checked before a layer is built.
import * as tf from "@tensorflow/tfjs";
import { HardSwish } from "../primitives/hard-swish";
import { resolvePadding } from "./common";
import { phinetPlan, type Activation, type PhiNetOptions, type PhiNetPlan } from "./phinet-plan";

export type { PhiNetOptions } from "./phinet-plan";

type T = tf.SymbolicTensor;
const apply = (layer: tf.layers.Layer, x: T | T[]): T => layer.apply(x) as T;

function act(x: T, kind: Activation, name: string): T {
  return kind === "hard-swish" ? apply(new HardSwish({ name }), x) : apply(tf.layers.reLU({ maxValue: 6, name }), x);
}

// PyTorch BatchNorm2d(eps=1e-3, momentum=0.999) as micromind sets it: tfjs momentum = 1 - torch momentum.
const blockBn = (name: string): tf.layers.Layer => tf.layers.batchNormalization({ axis: -1, epsilon: 1e-3, momentum: 0.001, name });

function conv1x1(x: T, filters: number, name: string): T {
  return apply(tf.layers.conv2d({ filters, kernelSize: 1, padding: "valid", useBias: false, name }), x);
}

/** Builds a PhiNet (see phinet-plan.ts for the options and the schedule). */
export function phinet(options: PhiNetOptions): tf.LayersModel {
  return buildPhiNet(phinetPlan(options));
}

export function buildPhiNet(plan: PhiNetPlan): tf.LayersModel {
  const [h, w, c] = plan.input;
  const input = tf.input({ shape: [h, w, c], name: "input" });
  let x: T = input;
  const extra: T[] = [];
  const returned = new Set(plan.returnLayers);
  let pendingPad: [number, number, number, number] | null = null;
  let blockNo = 0;

  plan.stages.forEach((stage, index) => {
    switch (stage.kind) {
      case "zeroPad":
        if (returned.has(index)) x = apply(tf.layers.zeroPadding2d({ padding: [[stage.pad[0], stage.pad[1]], [stage.pad[2], stage.pad[3]]], name: "stem_pad" }), x);
        else pendingPad = stage.pad;
        break;
      case "separableStem": {
        let padding: "same" | "valid" = "valid";
        if (pendingPad) {
          const r = resolvePadding(h, w, 3, stage.stride, pendingPad);
          if (r.mode === "zeroPad") {
            x = apply(tf.layers.zeroPadding2d({ padding: [[r.pad[0], r.pad[1]], [r.pad[2], r.pad[3]]], name: "stem_pad" }), x);
          } else {
            padding = r.mode;
          }
        }
        x = apply(tf.layers.depthwiseConv2d({ kernelSize: 3, strides: stage.stride, padding, useBias: false, name: "stem_dw" }), x);
        x = conv1x1(x, stage.out, "stem_pw");
        x = act(apply(blockBn("stem_bn"), x), plan.activation, "stem_act");
        break;
      }
      case "convStem":
        x = apply(tf.layers.conv2d({ filters: stage.out, kernelSize: 3, padding: "valid", useBias: false, name: "stem_conv" }), x);
        break;
      case "activation":
        x = act(x, plan.activation, "stem_act");
        break;
      case "batchNorm": // PyTorch defaults (eps 1e-5, momentum 0.1) in micromind's conv2dInput stem
        x = apply(tf.layers.batchNormalization({ axis: -1, epsilon: 1e-5, momentum: 0.9, name: "stem_bn" }), x);
        break;
      case "maxPool":
        x = apply(tf.layers.maxPooling2d({ poolSize: 2, strides: 2, padding: "valid", name: `pool${index}` }), x);
        break;
      case "block": {
        blockNo += 1;
        const n = `block${blockNo}`;
        const input = x;
        let y = x;
        if (stage.expanded !== null) {
          y = conv1x1(y, stage.expanded, `${n}_expand`);
          y = act(apply(blockBn(`${n}_expand_bn`), y), plan.activation, `${n}_expand_act`);
        }
        const wide = y.shape[3] as number;
        // PyTorch's Dropout2d: drops whole channels (noise shared over H and W).
        y = apply(tf.layers.dropout({ rate: 0.05, noiseShape: [null, 1, 1, wide] as unknown as number[], name: `${n}_dropout` }), y);
        const p = stage.padding;
        const r = resolvePadding(y.shape[1] as number, y.shape[2] as number, stage.kernel, stage.stride, [p, p, p, p]);
        if (r.mode === "zeroPad") y = apply(tf.layers.zeroPadding2d({ padding: [[p, p], [p, p]], name: `${n}_pad` }), y);
        y = apply(tf.layers.depthwiseConv2d({
          kernelSize: stage.kernel, strides: stage.stride, padding: r.mode === "same" ? "same" : "valid", useBias: false, name: `${n}_dw`,
        }), y);
        y = act(apply(blockBn(`${n}_dw_bn`), y), plan.activation, `${n}_dw_act`);
        if (stage.seUnits > 0) {
          let g = apply(tf.layers.globalAveragePooling2d({ name: `${n}_se_pool` }), y);
          g = apply(tf.layers.reshape({ targetShape: [1, 1, wide], name: `${n}_se_reshape` }), g);
          g = act(conv1x1(g, stage.seUnits, `${n}_se_reduce`), plan.activation, `${n}_se_act`);
          g = apply(tf.layers.activation({ activation: "sigmoid", name: `${n}_se_gate` }), conv1x1(g, wide, `${n}_se_expand`));
          y = apply(tf.layers.multiply({ name: `${n}_se_scale` }), [y, g]);
        }
        y = apply(blockBn(`${n}_project_bn`), conv1x1(y, stage.out, `${n}_project`));
        x = stage.skip ? apply(tf.layers.add({ name: `${n}_add` }), [y, input]) : y;
        break;
      }
    }
    if (returned.has(index)) extra.push(x);
  });
  if (plan.head) {
    x = apply(tf.layers.globalAveragePooling2d({ name: "head_pool" }), x);
    x = apply(tf.layers.dense({ units: plan.head.classes, useBias: true, name: "head_logits" }), x);
  }
  return tf.model({ inputs: input, outputs: extra.length > 0 ? [x, ...extra] : x, name: "phinet" });
}
