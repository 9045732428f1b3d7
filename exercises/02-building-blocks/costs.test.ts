// Graded tests for lesson 02's cost formulas (exercises/02-building-blocks/costs.ts).
// Run them with `npm run grade -- --only 02`; each failing test prints its feedback as a hint.
// Besides the lecture's example layer (3×64×64 → 16 channels, worked out by hand in the course's
// convention: a bias adds parameters and 0 MACs, see the header of costs.ts for how the slide differs),
// each formula is checked on a sweep of shapes against the course's closed forms in
// course-lib/primitives/cost.ts, which the profiler confirms on real tfjs models. Each "rejects ..." test
// also makes a valid call (validCall): a function that throws on every input earns nothing for rejecting.
import { expect } from "vitest";
import { errorFrom, graded, validCall } from "../../course-lib/grader/graded";
import * as reference from "../../course-lib/primitives/cost";
import { convCost, denseCost, depthwiseCost, pointwiseCost, separableCost } from "@exercise/02-building-blocks/costs";

/** A small deterministic sweep of shapes: sizes, channel counts, kernels and strides. */
const SWEEP = [
  { cIn: 3, cOut: 16, k: 3, h: 64, w: 64, stride: 1 },
  { cIn: 8, cOut: 24, k: 5, h: 15, w: 9, stride: 2 },
  { cIn: 32, cOut: 32, k: 1, h: 7, w: 7, stride: 1 },
  { cIn: 1, cOut: 1, k: 7, h: 28, w: 28, stride: 3 },
  { cIn: 96, cOut: 40, k: 3, h: 11, w: 13, stride: 2 },
];

const pick = (c: { params: number; macs: number; outputShape: number[] }) => ({ params: c.params, macs: c.macs, outputShape: [...c.outputShape] });

// ---- 02.1 dense ----

graded(
  { id: "02.1", points: 2, feedback: "Dense: params = inUnits × outUnits (+ outUnits with a bias), MACs = inUnits × outUnits, outputShape = [outUnits]." },
  "dense layer: the lecture's 805M and a classifier head",
  () => {
    expect(pick(denseCost({ inUnits: 3 * 64 * 64, outUnits: 16 * 64 * 64 }))).toEqual({ params: 805_306_368, macs: 805_306_368, outputShape: [65536] });
    expect(pick(denseCost({ inUnits: 784, outUnits: 10, bias: true }))).toEqual({ params: 7850, macs: 7840, outputShape: [10] });
    expect(pick(denseCost({ inUnits: 784, outUnits: 10, bias: false }))).toEqual({ params: 7840, macs: 7840, outputShape: [10] });
    expect(pick(denseCost({ inUnits: 1, outUnits: 1 }))).toEqual({ params: 1, macs: 1, outputShape: [1] });
  },
);

// ---- 02.2 standard conv ----

graded(
  { id: "02.2", points: 2, feedback: "Conv: params = k·k·cIn·cOut (+ cOut with a bias); MACs = H'·W'·cOut·k·k·cIn with H' = ceil(H / stride), W' = ceil(W / stride) (\"same\" padding). A bias costs 0 MACs in the course's convention (the lecture's slide counts it as MACs too)." },
  "standard conv: the lecture's 3x3 conv, a bias adding parameters but no MACs",
  () => {
    expect(pick(convCost({ cIn: 3, cOut: 16, k: 3, h: 64, w: 64 }))).toEqual({ params: 432, macs: 1_769_472, outputShape: [64, 64, 16] });
    expect(pick(convCost({ cIn: 3, cOut: 16, k: 3, h: 64, w: 64, bias: true }))).toEqual({ params: 448, macs: 1_769_472, outputShape: [64, 64, 16] });
    expect(pick(convCost({ cIn: 3, cOut: 16, k: 3, h: 64, w: 64, stride: 2 }))).toEqual({ params: 432, macs: 442_368, outputShape: [32, 32, 16] });
  },
);

graded(
  { id: "02.2", points: 2, feedback: "With stride s and \"same\" padding the output is ceil(H / s) × ceil(W / s): an odd size rounds up (15 / 2 → 8). H and W can differ." },
  "standard conv: odd sizes, strides, non-square inputs",
  () => {
    for (const s of SWEEP) {
      expect(pick(convCost({ ...s, bias: true })), JSON.stringify(s)).toEqual(pick(reference.conv2dCost({ ...s, padding: "same", bias: true })));
      expect(pick(convCost(s)), JSON.stringify(s)).toEqual(pick(reference.conv2dCost({ ...s, padding: "same", bias: false })));
    }
  },
);

// ---- 02.3 pointwise ----

graded(
  { id: "02.3", points: 2, feedback: "Pointwise (1×1) conv: params = cIn·cOut (+ cOut), MACs = H'·W'·cIn·cOut." },
  "pointwise conv: the lecture's example layer and a sweep",
  () => {
    expect(pick(pointwiseCost({ cIn: 3, cOut: 16, h: 64, w: 64 }))).toEqual({ params: 48, macs: 196_608, outputShape: [64, 64, 16] });
    for (const s of SWEEP) {
      const spec = { cIn: s.cIn, cOut: s.cOut, h: s.h, w: s.w, stride: s.stride, bias: true };
      expect(pick(pointwiseCost(spec)), JSON.stringify(spec)).toEqual(pick(reference.pointwiseConvCost(spec)));
    }
  },
);

// ---- 02.4 depthwise ----

graded(
  { id: "02.4", points: 2, feedback: "Depthwise conv: c·m filters of k·k weights (m = depthMultiplier, default 1), output channels c·m, MACs = H'·W'·(c·m)·k·k. There is no cIn factor: channels are not mixed." },
  "depthwise conv: the lecture's example layer, depth multiplier, sweep",
  () => {
    expect(pick(depthwiseCost({ c: 3, k: 3, h: 64, w: 64 }))).toEqual({ params: 27, macs: 110_592, outputShape: [64, 64, 3] });
    expect(pick(depthwiseCost({ c: 16, k: 3, h: 32, w: 32, depthMultiplier: 2 }))).toEqual({ params: 288, macs: 294_912, outputShape: [32, 32, 32] });
    expect(pick(depthwiseCost({ c: 16, k: 3, h: 32, w: 32, bias: true }))).toEqual({ params: 160, macs: 147_456, outputShape: [32, 32, 16] });
    for (const s of SWEEP) {
      for (const depthMultiplier of [1, 3]) {
        const spec = { c: s.cIn, k: s.k, h: s.h, w: s.w, stride: s.stride, depthMultiplier };
        expect(pick(depthwiseCost(spec)), JSON.stringify(spec)).toEqual(pick(reference.depthwiseConvCost({ ...spec, padding: "same", bias: false })));
      }
    }
  },
);

// ---- 02.5 separable ----

graded(
  { id: "02.5", points: 2, feedback: "Separable = depthwise k×k on cIn channels (stride there, no bias) + pointwise cIn → cOut on the depthwise output (bias there). Add params and MACs; the shape is the pointwise output's." },
  "depthwise-separable conv: the lecture's example layer and a sweep",
  () => {
    expect(pick(separableCost({ cIn: 3, cOut: 16, k: 3, h: 64, w: 64 }))).toEqual({ params: 75, macs: 307_200, outputShape: [64, 64, 16] });
    for (const s of SWEEP) {
      expect(pick(separableCost({ ...s, bias: true })), JSON.stringify(s)).toEqual(pick(reference.separableConvCost({ ...s, bias: true })));
      expect(pick(separableCost(s)), JSON.stringify(s)).toEqual(pick(reference.separableConvCost({ ...s, bias: false })));
    }
  },
);

// ---- bad input, for every formula ----

graded(
  { id: "02.1", points: 1, feedback: "denseCost: throw a RangeError naming the field and its value when inUnits or outUnits is not a positive integer." },
  "dense rejects impossible sizes",
  () => {
    validCall("denseCost({ inUnits: 1, outUnits: 1, bias: true })", () => denseCost({ inUnits: 1, outUnits: 1, bias: true }));
    const e = errorFrom(() => denseCost({ inUnits: 0, outUnits: 10 }));
    expect(e).toBeInstanceOf(RangeError);
    expect(e.message).toContain("inUnits");
    expect(errorFrom(() => denseCost({ inUnits: 10, outUnits: 2.5 })).message).toContain("2.5");
  },
);

graded(
  { id: "02.2", points: 1, feedback: "convCost: throw a RangeError naming the field and its value for channels, k, h, w or stride that are not positive integers." },
  "conv rejects impossible shapes",
  () => {
    validCall("convCost({ cIn: 1, cOut: 1, k: 1, h: 1, w: 1, stride: 5 })", () => convCost({ cIn: 1, cOut: 1, k: 1, h: 1, w: 1, stride: 5 }));
    const e = errorFrom(() => convCost({ cIn: 0, cOut: 16, k: 3, h: 64, w: 64 }));
    expect(e).toBeInstanceOf(RangeError);
    expect(e.message).toContain("cIn");
    expect(errorFrom(() => convCost({ cIn: 3, cOut: 16, k: 3, h: 64, w: 64, stride: 0 })).message).toContain("stride");
    expect(errorFrom(() => convCost({ cIn: 3, cOut: 16, k: 1.5, h: 64, w: 64 })).message).toContain("1.5");
    expect(errorFrom(() => convCost({ cIn: 3, cOut: 16, k: 3, h: -4, w: 64 })).message).toContain("-4");
  },
);

graded(
  { id: "02.3", points: 1, feedback: "pointwiseCost: throw a RangeError naming the bad field (cIn, cOut, h, w or stride) and its value." },
  "pointwise rejects impossible shapes",
  () => {
    validCall("pointwiseCost({ cIn: 1, cOut: 1, h: 1, w: 3, stride: 2 })", () => pointwiseCost({ cIn: 1, cOut: 1, h: 1, w: 3, stride: 2 }));
    const e = errorFrom(() => pointwiseCost({ cIn: 3, cOut: -16, h: 8, w: 8 }));
    expect(e).toBeInstanceOf(RangeError);
    expect(e.message).toContain("cOut");
    expect(e.message).toContain("-16");
    const width = errorFrom(() => pointwiseCost({ cIn: 3, cOut: 16, h: 8, w: 0 }));
    expect(width.message).toMatch(/\bw\b/); // the field w as a word of its own
    expect(width.message).toMatch(/\b0\b/);
  },
);

graded(
  { id: "02.4", points: 1, feedback: "depthwiseCost: throw a RangeError naming the bad field (c, k, h, w, stride or depthMultiplier) and its value." },
  "depthwise rejects impossible shapes",
  () => {
    validCall("depthwiseCost({ c: 1, k: 1, h: 1, w: 1, depthMultiplier: 1 })", () => depthwiseCost({ c: 1, k: 1, h: 1, w: 1, depthMultiplier: 1 }));
    const e = errorFrom(() => depthwiseCost({ c: 3, k: 3, h: 8, w: 8, depthMultiplier: 0 }));
    expect(e).toBeInstanceOf(RangeError);
    expect(e.message).toContain("depthMultiplier");
    expect(errorFrom(() => depthwiseCost({ c: 2.5, k: 3, h: 8, w: 8 })).message).toContain("2.5");
  },
);

graded(
  { id: "02.5", points: 1, feedback: "separableCost: throw a RangeError naming the bad field and its value (check cOut and stride too)." },
  "separable rejects impossible shapes",
  () => {
    validCall("separableCost({ cIn: 1, cOut: 1, k: 1, h: 1, w: 1, stride: 3, bias: true })", () => separableCost({ cIn: 1, cOut: 1, k: 1, h: 1, w: 1, stride: 3, bias: true }));
    const e = errorFrom(() => separableCost({ cIn: 3, cOut: 0, k: 3, h: 8, w: 8 }));
    expect(e).toBeInstanceOf(RangeError);
    expect(e.message).toContain("cOut");
    expect(errorFrom(() => separableCost({ cIn: 3, cOut: 4, k: 3, h: 8, w: 8, stride: -1 })).message).toContain("-1");
  },
);
