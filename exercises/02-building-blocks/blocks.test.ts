// Graded tests for lesson 02's inverted residual block (exercises/02-building-blocks/blocks.ts).
// Run them with `npm run grade -- --only 02.6`. Each test builds your block into a tfjs model and checks
// its layers, its output shape, its parameters against the closed form (course-lib/primitives/cost.ts)
// and that the skip connection is there exactly when the input and output shapes match. The "rejects ..."
// test also builds a valid block (validCall): a function that throws on every input earns nothing for it.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, expect } from "vitest";
import { errorFrom, graded, validCall } from "../../course-lib/grader/graded";
import { invertedResidualBlockCost } from "../../course-lib/primitives/cost";
import { outputWithZeroedProjection } from "../../course-lib/primitives/block-probe";
import { invertedResidualBlock, type InvertedResidualSpec } from "@exercise/02-building-blocks/blocks";

beforeAll(async () => {
  // Building layers creates weights: the plain-JS backend is enough and needs no setup.
  await tf.setBackend("cpu");
});

function build(shape: [number, number, number], spec: InvertedResidualSpec): tf.LayersModel {
  const input = tf.input({ shape });
  const output = invertedResidualBlock(input, spec);
  if (!(output instanceof tf.SymbolicTensor)) throw new Error(`invertedResidualBlock must return a SymbolicTensor, got ${String(output)}`);
  return tf.model({ inputs: input, outputs: output });
}

/** A short name per layer: pw (1x1 conv), conv3x3, dw3x3/s2, bn, relu6, add, or the class name. */
function kinds(model: tf.LayersModel): string[] {
  return model.layers
    .filter((l) => l.getClassName() !== "InputLayer")
    .map((l) => {
      const cls = l.getClassName();
      const cfg = l.getConfig() as Record<string, unknown>;
      const k = (cfg.kernelSize as number[] | undefined)?.join("x");
      const s = (cfg.strides as number[] | undefined)?.[0];
      const stride = s && s !== 1 ? `/s${s}` : "";
      if (cls === "Conv2D") return k === "1x1" ? `pw${stride}` : `conv${k}${stride}`;
      if (cls === "DepthwiseConv2D") return `dw${k}${stride}`;
      if (cls === "BatchNormalization") return "bn";
      if (cls === "ReLU") return cfg.maxValue === 6 ? "relu6" : "relu";
      if (cls === "Activation") return String(cfg.activation);
      if (cls === "Add") return "add";
      return cls;
    });
}

graded(
  { id: "02.6", points: 3, feedback: "Order: 1x1 conv → BN → ReLU6 → depthwise kxk → BN → ReLU6 → 1x1 conv → BN (no activation) → add. ReLU6 is tf.layers.reLU({ maxValue: 6 }). Convs need useBias: false so the parameters match." },
  "builds expand, depthwise and linear projection with an identity skip",
  () => {
    const model = build([16, 16, 16], { out: 16, expansion: 4 });
    expect(kinds(model)).toEqual(["pw", "bn", "relu6", "dw3x3", "bn", "relu6", "pw", "bn", "add"]);
    expect(model.outputs[0].shape).toEqual([null, 16, 16, 16]);
    const closedForm = invertedResidualBlockCost({ cIn: 16, h: 16, w: 16, out: 16, expansion: 4 });
    expect(model.countParams()).toBe(closedForm.params);
    const convs = model.layers.filter((l) => l.getClassName() === "Conv2D").map((l) => (l.getConfig() as { filters: number }).filters);
    expect(convs).toEqual([64, 16]);
    model.dispose();
  },
);

graded(
  { id: "02.6", points: 2, feedback: "The skip adds the block's INPUT to the projection: with the projection's batch norm zeroed, the block must return its input unchanged." },
  "the skip really adds the input",
  () => {
    const model = build([6, 6, 8], { out: 8, expansion: 2 });
    const { input, output } = outputWithZeroedProjection(model, [6, 6, 8]);
    expect(output.length).toBe(input.length);
    for (let i = 0; i < input.length; i++) expect(output[i]).toBeCloseTo(input[i], 5);
    model.dispose();
  },
);

graded(
  { id: "02.6", points: 3, feedback: "Add the skip only when stride is 1 AND the input channels equal `out`; otherwise the shapes differ and the block ends with the projection's batch norm." },
  "no skip when the stride or the channel count changes",
  () => {
    const wider = build([16, 16, 16], { out: 24, expansion: 6 });
    expect(kinds(wider)).toEqual(["pw", "bn", "relu6", "dw3x3", "bn", "relu6", "pw", "bn"]);
    expect(wider.outputs[0].shape).toEqual([null, 16, 16, 24]);
    expect(wider.countParams()).toBe(invertedResidualBlockCost({ cIn: 16, h: 16, w: 16, out: 24, expansion: 6 }).params);
    wider.dispose();

    const strided = build([16, 16, 16], { out: 16, expansion: 4, stride: 2 });
    expect(kinds(strided)).toEqual(["pw", "bn", "relu6", "dw3x3/s2", "bn", "relu6", "pw", "bn"]);
    expect(strided.outputs[0].shape).toEqual([null, 8, 8, 16]);
    expect(strided.countParams()).toBe(invertedResidualBlockCost({ cIn: 16, h: 16, w: 16, out: 16, expansion: 4, stride: 2 }).params);
    const { output } = outputWithZeroedProjection(strided, [16, 16, 16]);
    expect(Math.max(...Array.from(output, Math.abs))).toBe(0);
    strided.dispose();

    // An odd input size with stride 2: "same" padding rounds up (7 → 4).
    const odd = build([7, 7, 8], { out: 12, expansion: 3, stride: 2, kernel: 5 });
    expect(kinds(odd)).toEqual(["pw", "bn", "relu6", "dw5x5/s2", "bn", "relu6", "pw", "bn"]);
    expect(odd.outputs[0].shape).toEqual([null, 4, 4, 12]);
    expect(odd.countParams()).toBe(invertedResidualBlockCost({ cIn: 8, h: 7, w: 7, out: 12, expansion: 3, stride: 2, kernel: 5 }).params);
    odd.dispose();
  },
);

graded(
  { id: "02.6", points: 2, feedback: "With expansion 1 there is no expand conv: the block starts with the depthwise conv (MobileNetV2's first block)." },
  "expansion 1 skips the expand conv",
  () => {
    const model = build([8, 8, 16], { out: 16, expansion: 1 });
    expect(kinds(model)).toEqual(["dw3x3", "bn", "relu6", "pw", "bn", "add"]);
    expect(model.countParams()).toBe(invertedResidualBlockCost({ cIn: 16, h: 8, w: 8, out: 16, expansion: 1 }).params);
    model.dispose();
  },
);

graded(
  { id: "02.6", points: 2, feedback: "Validate before building: RangeError naming out / expansion / stride / kernel and the bad value; an Error mentioning the shape when x is not [batch, H, W, C]." },
  "rejects bad options and inputs that are not images",
  () => {
    const x = tf.input({ shape: [8, 8, 4] });
    validCall("invertedResidualBlock(x, { out: 4, expansion: 1, stride: 2, kernel: 5 })", () => invertedResidualBlock(x, { out: 4, expansion: 1, stride: 2, kernel: 5 }));
    const expansion = errorFrom(() => invertedResidualBlock(x, { out: 4, expansion: 0 }));
    expect(expansion).toBeInstanceOf(RangeError);
    expect(expansion.message).toContain("expansion");
    expect(errorFrom(() => invertedResidualBlock(x, { out: 2.5, expansion: 2 })).message).toContain("2.5");
    expect(errorFrom(() => invertedResidualBlock(x, { out: 4, expansion: 2, stride: 0 })).message).toContain("stride");
    expect(errorFrom(() => invertedResidualBlock(x, { out: 4, expansion: 2, kernel: -3 })).message).toContain("-3");
    const flat = tf.input({ shape: [32] });
    expect(errorFrom(() => invertedResidualBlock(flat, { out: 4, expansion: 2 })).message).toContain("32");
  },
);
