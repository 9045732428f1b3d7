// The standalone PhiNet block (phinet-block.ts) against the profiler and against the full network: its
// closed form must equal the profiler's measurement of the block it builds, and the per-block costs of a
// real PhiNet's schedule must add up to the network's own closed form (phinet-cost.ts) once the stem,
// the first block and the head are added.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { profileModel } from "../profiler/profile";
import { batchNormCost, conv2dCost, denseCost, depthwiseConvCost, sumCosts } from "../primitives/cost";
import { expandedChannels, expansionSchedule, phinetBlock, phinetBlockCost } from "./phinet-block";
import { phinetCost } from "./phinet-cost";
import { phinetPlan } from "./phinet-plan";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

describe("phinet-block", () => {
  it("schedule and expanded channels match the network's plan", () => {
    const options = { inputShape: [3, 96, 96], alpha: 0.5, beta: 0.66, t0: 5, numLayers: 7 };
    const plan = phinetPlan(options);
    const schedule = expansionSchedule(5, 0.66, 7);
    for (const s of plan.stages) {
      if (s.kind === "block" && s.blockId !== null) expect(expandedChannels(schedule[s.blockId - 1], s.cIn)).toBe(s.expanded);
    }
    expect(() => expansionSchedule(0.5, 1, 7)).toThrow(/t0 must be a number >= 1, got 0.5/);
    expect(() => expandedChannels(4, 0)).toThrow(/cIn must be a positive integer, got 0/);
  });

  it("closed form equals the profiler's measurement of the built block", () => {
    const specs = [
      { h: 8, w: 8, cIn: 16, expansion: 4, out: 16 },
      { h: 15, w: 9, cIn: 10, expansion: 3.75, out: 12, stride: 2 },
      { h: 7, w: 7, cIn: 40, expansion: 2.5, out: 40, kernel: 5, activation: "relu6" as const },
      { h: 12, w: 12, cIn: 8, expansion: 0.5, out: 16, squeezeExcite: false },
    ];
    for (const spec of specs) {
      const input = tf.input({ shape: [spec.h, spec.w, spec.cIn] });
      const model = tf.model({ inputs: input, outputs: phinetBlock(input, spec) });
      const p = profileModel(model);
      const c = phinetBlockCost(spec);
      expect([c.params, c.macs, c.outputShape]).toEqual([p.totals.params.total, p.totals.macs, model.outputs[0].shape.slice(1)]);
      expect(model.layers.some((l) => l.getClassName() === "Add")).toBe(c.shape.skip);
      model.dispose();
    }
    expect(phinetBlockCost({ h: 8, w: 8, cIn: 16, expansion: 4, out: 16 })).toMatchObject({ params: 4480, macs: 169216 });
  });

  it("blocks + stem + first block + head add up to the whole network's closed form", () => {
    const options = { inputShape: [3, 64, 64], alpha: 0.75, beta: 0.75, t0: 4, numLayers: 6, includeTop: true, numClasses: 5 };
    const plan = phinetPlan(options);
    const total = phinetCost(options);
    const schedule = expansionSchedule(4, 0.75, 6);
    const parts = plan.stages.map((s, i) => {
      const [h, w] = i === 0 ? [plan.input[0], plan.input[1]] : plan.sizes[i - 1];
      if (s.kind === "separableStem") {
        const [sh, sw] = plan.sizes[i];
        return sumCosts([
          depthwiseConvCost({ c: s.cIn, k: 3, h: sh, w: sw, padding: "same", bias: false }), // output size only matters
          conv2dCost({ cIn: s.cIn, cOut: s.out, k: 1, h: sh, w: sw, bias: false }),
          batchNormCost({ c: s.out }),
        ]);
      }
      if (s.kind === "block" && s.blockId === null) {
        return sumCosts([depthwiseConvCost({ c: s.cIn, k: 3, h, w, bias: false }), batchNormCost({ c: s.cIn }), conv2dCost({ cIn: s.cIn, cOut: s.out, k: 1, h, w, bias: false }), batchNormCost({ c: s.out })]);
      }
      if (s.kind === "block") return phinetBlockCost({ h, w, cIn: s.cIn, expansion: schedule[(s.blockId as number) - 1], out: s.out, kernel: s.kernel, stride: s.stride });
      return null;
    }).filter((c) => c !== null);
    const head = denseCost({ inUnits: plan.head!.inUnits, outUnits: 5 });
    const sum = sumCosts([...(parts as never[]), head]);
    expect([sum.params, sum.macs]).toEqual([total.params.total, total.macs]);
  });
});
