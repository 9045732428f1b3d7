// Graded tests for lesson 03's PhiNet block (exercises/03-phinet-xinet/block.ts).
// Run them with `npm run grade -- --only 03.2`. Each test builds your block into a tfjs model and checks
// its layers, output shape, parameters against the closed form (course-lib/nets/phinet-block.ts) and
// that the skip connection is there exactly when the input and output shapes match. The "rejects ..."
// test also builds a valid block (validCall): a function that throws on every input earns nothing for it.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, expect } from "vitest";
import { errorFrom, graded, validCall } from "../../course-lib/grader/graded";
import { phinetBlockCost } from "../../course-lib/nets/phinet-block";
import { outputWithZeroedProjection } from "../../course-lib/primitives/block-probe";
import { phinetBlock, type PhiNetBlockSpec } from "@exercise/03-phinet-xinet/block";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

function build(shape: [number, number, number], spec: PhiNetBlockSpec): tf.LayersModel {
  const input = tf.input({ shape });
  const output = phinetBlock(input, spec);
  if (!(output instanceof tf.SymbolicTensor)) throw new Error(`phinetBlock must return a SymbolicTensor, got ${String(output)}`);
  return tf.model({ inputs: input, outputs: output });
}

/** Short names of the layers (dropout and the input ignored), sorted: the block's "bill of materials". */
function layerCounts(model: tf.LayersModel): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const l of model.layers) {
    const cls = l.getClassName();
    if (cls === "InputLayer" || cls === "Dropout" || cls === "SpatialDropout2D") continue;
    const cfg = l.getConfig() as Record<string, unknown>;
    let kind = cls;
    if (cls === "Conv2D") kind = `Conv2D ${(cfg.kernelSize as number[]).join("x")}${cfg.useBias ? " +bias" : ""}`;
    if (cls === "DepthwiseConv2D") kind = `DepthwiseConv2D ${(cfg.kernelSize as number[]).join("x")}/s${(cfg.strides as number[])[0]}${cfg.useBias ? " +bias" : ""}`;
    if (cls === "Activation") kind = `Activation ${String(cfg.activation)}`;
    counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return counts;
}

const convFilters = (model: tf.LayersModel): number[] =>
  model.layers.filter((l) => l.getClassName() === "Conv2D").map((l) => (l.getConfig() as { filters: number }).filters).sort((a, b) => a - b);

graded(
  { id: "03.2", points: 3, feedback: "Layers: 1x1 conv → BN → hard-swish → depthwise kxk → BN → hard-swish → SE (global average pool, reshape, 1x1 conv, hard-swish, 1x1 conv, sigmoid, multiply) → 1x1 conv → BN → add. All convs without bias; hard-swish is new HardSwish()." },
  "builds expand, depthwise, squeeze-and-excite, linear projection and skip",
  () => {
    const model = build([8, 8, 16], { expansion: 4, out: 16 });
    expect(layerCounts(model)).toEqual({
      "Conv2D 1x1": 4, BatchNormalization: 3, HardSwish: 3, "DepthwiseConv2D 3x3/s1": 1, GlobalAveragePooling2D: 1,
      Reshape: 1, "Activation sigmoid": 1, Multiply: 1, Add: 1,
    });
    expect(convFilters(model)).toEqual([10, 16, 64, 64]); // SE reduce S = 10, project 16, expand 64, SE expand 64
    expect(model.outputs[0].shape).toEqual([null, 8, 8, 16]);
    expect(model.countParams()).toBe(phinetBlockCost({ h: 8, w: 8, cIn: 16, expansion: 4, out: 16 }).params);
    model.dispose();
  },
);

const CASES: { shape: [number, number, number]; spec: PhiNetBlockSpec }[] = [
  { shape: [16, 16, 24], spec: { expansion: 6, out: 48, stride: 2 } },
  { shape: [15, 9, 10], spec: { expansion: 3.75, out: 12, stride: 2 } },
  { shape: [7, 7, 40], spec: { expansion: 2.5, out: 40, kernel: 5 } },
  { shape: [12, 12, 8], spec: { expansion: 0.5, out: 16, squeezeExcite: false } },
  { shape: [6, 10, 5], spec: { expansion: 1, out: 5 } },
];

graded(
  { id: "03.2", points: 3, feedback: "Output H' = ceil(H/stride) with padding 'same'; E = max(1, int(t*cIn)); S = max(1, int(E/6)); no SE layers when squeezeExcite is false; kernel sets the depthwise kernel size." },
  "has the output shape and the parameters of the closed form for strides, kernels, fractional expansions and no SE",
  () => {
    for (const { shape, spec } of CASES) {
      const model = build(shape, spec);
      const closed = phinetBlockCost({ h: shape[0], w: shape[1], cIn: shape[2], ...spec });
      expect({ spec, shape: model.outputs[0].shape.slice(1), params: model.countParams() }).toEqual({ spec, shape: closed.outputShape, params: closed.params });
      const dw = model.layers.find((l) => l.getClassName() === "DepthwiseConv2D");
      expect(dw, "a DepthwiseConv2D layer").toBeDefined();
      const cfg = dw!.getConfig() as { kernelSize: number[]; strides: number[] };
      expect([cfg.kernelSize[0], cfg.strides[0]]).toEqual([spec.kernel ?? 3, spec.stride ?? 1]);
      const hasSE = model.layers.some((l) => l.getClassName() === "Multiply");
      expect({ spec, hasSE }).toEqual({ spec, hasSE: spec.squeezeExcite !== false });
      model.dispose();
    }
  },
);

graded(
  { id: "03.2", points: 3, feedback: "Add the input (tf.layers.add().apply([projected, x])) only when stride is 1 and cIn equals out; with a skip and the projection zeroed, the block must return its input unchanged." },
  "adds the skip connection exactly when the shapes allow it",
  () => {
    const withSkip = build([8, 8, 12], { expansion: 3, out: 12 });
    expect(withSkip.layers.filter((l) => l.getClassName() === "Add")).toHaveLength(1);
    const a = outputWithZeroedProjection(withSkip, [8, 8, 12]);
    for (let i = 0; i < a.input.length; i += 37) expect(a.output[i]).toBeCloseTo(a.input[i], 5);
    withSkip.dispose();

    const wider = build([8, 8, 12], { expansion: 3, out: 16 });
    expect(wider.layers.filter((l) => l.getClassName() === "Add")).toHaveLength(0);
    const b = outputWithZeroedProjection(wider, [8, 8, 12]);
    expect(Math.max(...Array.from(b.output, Math.abs))).toBeLessThan(1e-6);
    wider.dispose();

    const strided = build([8, 8, 12], { expansion: 3, out: 12, stride: 2 });
    expect(strided.layers.filter((l) => l.getClassName() === "Add")).toHaveLength(0);
    expect(strided.outputs[0].shape).toEqual([null, 4, 4, 12]);
    strided.dispose();
  },
);

graded(
  { id: "03.2", points: 1, feedback: "Check the spec before building layers: RangeError with the bad value for out/kernel/stride that are not positive integers and expansion <= 0; an Error mentioning the shape when x is not rank 4." },
  "rejects bad specs and inputs with a clear message",
  () => {
    const x = tf.input({ shape: [8, 8, 16] });
    validCall("phinetBlock(x, { expansion: 0.1, out: 3, kernel: 5, stride: 2, squeezeExcite: false })", () => phinetBlock(x, { expansion: 0.1, out: 3, kernel: 5, stride: 2, squeezeExcite: false }));
    const cases: [PhiNetBlockSpec, string][] = [
      [{ expansion: 4, out: 0 }, "0"], [{ expansion: 4, out: 16, kernel: 2.5 }, "2.5"], [{ expansion: 4, out: 16, stride: -2 }, "-2"], [{ expansion: -1, out: 16 }, "-1"],
    ];
    for (const [spec, bad] of cases) {
      const e = errorFrom(() => phinetBlock(x, spec));
      expect(e).toBeInstanceOf(RangeError);
      expect(e.message).toContain(bad);
    }
    const flat = tf.input({ shape: [64] });
    expect(errorFrom(() => phinetBlock(flat, { expansion: 4, out: 16 })).message).toMatch(/64/);
  },
);
