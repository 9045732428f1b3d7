// Graded tests for lesson 03's PhiNet block cost (exercises/03-phinet-xinet/block-cost.ts).
// Run them with `npm run grade -- --only 03.3`. Your closed form is compared with worked examples, with
// the course's reference (course-lib/nets/phinet-block.ts), with the profiler's measurement of a built
// block, and with every block of real PhiNets. The "rejects ..." test also makes a valid call
// (validCall): a function that throws on every input earns nothing for it.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, expect } from "vitest";
import { errorFrom, graded, validCall } from "../../course-lib/grader/graded";
import { phinetBlock as referenceBlock, phinetBlockCost as referenceCost } from "../../course-lib/nets/phinet-block";
import { phinetPlan, expansionFactor, type PhiNetOptions } from "../../course-lib/nets/phinet-plan";
import { profileModel } from "../../course-lib/profiler/profile";
import { phinetBlockCost, type BlockCostSpec } from "@exercise/03-phinet-xinet/block-cost";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

const pick = (c: { params: number; macs: number; outputShape: number[] }) => ({ params: c.params, macs: c.macs, outputShape: [...c.outputShape] });

graded(
  { id: "03.3", points: 2, feedback: "Add up the four parts of the table in the TODO. E = max(1, int(t*cIn)), S = max(1, int(E/6)); batch norm counts 4 parameters per channel and 0 MACs; the expand conv runs at the input resolution, the others at the output resolution." },
  "matches the worked examples",
  () => {
    expect(pick(phinetBlockCost({ h: 8, w: 8, cIn: 16, expansion: 4, out: 16 }))).toEqual({ params: 4480, macs: 169216, outputShape: [8, 8, 16] });
    // Without SE: 4480 - 1280 parameters, 169216 - 1280 MACs.
    expect(pick(phinetBlockCost({ h: 8, w: 8, cIn: 16, expansion: 4, out: 16, squeezeExcite: false }))).toEqual({ params: 3200, macs: 167936, outputShape: [8, 8, 16] });
  },
);

const SPECS: BlockCostSpec[] = [
  { h: 16, w: 16, cIn: 24, expansion: 6, out: 24 },
  { h: 16, w: 16, cIn: 24, expansion: 6, out: 48, stride: 2 },
  { h: 15, w: 9, cIn: 10, expansion: 3.75, out: 12, stride: 2 },
  { h: 7, w: 7, cIn: 40, expansion: 2.5, out: 40, kernel: 5 },
  { h: 12, w: 12, cIn: 8, expansion: 0.5, out: 16, squeezeExcite: false },
  { h: 6, w: 10, cIn: 5, expansion: 1, out: 5, kernel: 5, squeezeExcite: true },
  { h: 32, w: 32, cIn: 3, expansion: 4.2, out: 8 },
];

graded(
  { id: "03.3", points: 3, feedback: "Check the output size (ceil(H/stride) with 'same' padding), the kernel size k² in the depthwise terms, the SE convs (2·E·S, both params and MACs) and the truncation int(t·cIn)." },
  "agrees with the course's closed form on strides, kernels, fractional expansions and blocks without SE",
  () => {
    for (const spec of SPECS) {
      expect({ spec, ...pick(phinetBlockCost(spec)) }).toEqual({ spec, ...pick(referenceCost(spec)) });
    }
  },
);

graded(
  { id: "03.3", points: 2, feedback: "The profiler measures a real tfjs block: params must equal model.countParams() (batch norm has 4 numbers per channel, two of them non-trainable) and MACs the convolutions' multiply-accumulates." },
  "agrees with the profiler's measurement of the built block",
  () => {
    for (const spec of SPECS.slice(0, 5)) {
      const input = tf.input({ shape: [spec.h, spec.w, spec.cIn] });
      const model = tf.model({ inputs: input, outputs: referenceBlock(input, spec) });
      const p = profileModel(model);
      const mine = phinetBlockCost(spec);
      expect({ spec, params: mine.params, macs: mine.macs, outputShape: [...mine.outputShape] }).toEqual({
        spec, params: p.totals.params.total, macs: p.totals.macs, outputShape: model.outputs[0].shape.slice(1),
      });
      model.dispose();
    }
  },
);

const NETS: PhiNetOptions[] = [
  { inputShape: [3, 96, 96], alpha: 0.5, beta: 0.75, t0: 6, numLayers: 7 },
  { inputShape: [1, 28, 28], inputLayout: "chw", alpha: 1, beta: 0.66, t0: 4, numLayers: 5, downsamplingLayers: [5] },
];

graded(
  { id: "03.3", points: 2, feedback: "Every block of a real PhiNet (course-lib/nets/phinet-plan.ts) must cost what your formula says. Blocks get fractional t from the schedule and stride 2 where the network downsamples." },
  "costs every block of real PhiNets",
  () => {
    for (const options of NETS) {
      const plan = phinetPlan(options);
      plan.stages.forEach((stage, i) => {
        if (stage.kind !== "block" || stage.blockId === null) return;
        const [h, w] = plan.sizes[i - 1];
        const spec: BlockCostSpec = {
          h, w, cIn: stage.cIn, out: stage.out, kernel: stage.kernel, stride: stage.stride,
          expansion: expansionFactor(options.t0 as number, options.beta as number, stage.blockId, options.numLayers as number),
        };
        expect({ block: stage.blockId, ...pick(phinetBlockCost(spec)) }).toEqual({ block: stage.blockId, ...pick(referenceCost(spec)) });
        expect(phinetBlockCost(spec).outputShape).toEqual([...plan.sizes[i], stage.out]);
      });
    }
  },
);

graded(
  { id: "03.3", points: 1, feedback: "Throw a RangeError containing the bad value for a non-positive or fractional h, w, cIn, out, kernel or stride, and for expansion <= 0." },
  "rejects impossible blocks with a message naming the bad value",
  () => {
    const ok: BlockCostSpec = { h: 8, w: 8, cIn: 16, expansion: 4, out: 16 };
    validCall("phinetBlockCost({ h: 1, w: 1, cIn: 1, expansion: 0.1, out: 1, kernel: 7, stride: 3 })", () => phinetBlockCost({ h: 1, w: 1, cIn: 1, expansion: 0.1, out: 1, kernel: 7, stride: 3 }));
    const cases: [BlockCostSpec, string][] = [
      [{ ...ok, h: 0 }, "0"], [{ ...ok, w: 7.5 }, "7.5"], [{ ...ok, cIn: -4 }, "-4"], [{ ...ok, out: 2.5 }, "2.5"],
      [{ ...ok, kernel: 0 }, "0"], [{ ...ok, stride: -1 }, "-1"], [{ ...ok, expansion: -3 }, "-3"],
    ];
    for (const [spec, bad] of cases) {
      const e = errorFrom(() => phinetBlockCost(spec));
      expect(e).toBeInstanceOf(RangeError);
      expect(e.message).toContain(bad);
    }
  },
);
