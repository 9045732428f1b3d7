// Closed-form costs checked against numbers worked out by hand (the lecture example included), and the
// bad-input errors of every cost function.
import { describe, expect, it } from "vitest";
import {
  batchNormCost, conv2dCost, convOutputSize, denseCost, depthwiseConvCost, depthwiseSeparableBlockCost,
  invertedResidualBlockCost, invertedResidualPlan, pointwiseConvCost, poolingCost, residualBlockCost,
  separableConvCost, sumCosts,
} from "./cost";

describe("lecture example: 3x64x64 -> 16x64x64", () => {
  it("a dense layer mapping the flattened input to the flattened output", () => {
    const inUnits = 3 * 64 * 64; // 12,288
    const outUnits = 16 * 64 * 64; // 65,536
    const c = denseCost({ inUnits, outUnits, bias: false });
    expect(inUnits).toBe(12288);
    expect(outUnits).toBe(65536);
    expect(c.params).toBe(805_306_368);
    expect(c.macs).toBe(805_306_368);
    // With bias: one more weight per output unit, MACs unchanged (bias adds are not MACs).
    const withBias = denseCost({ inUnits, outUnits });
    expect(withBias.params).toBe(805_306_368 + 65_536);
    expect(withBias.macs).toBe(805_306_368);
  });

  it("a 3x3 conv: 432 MACs per output pixel, 432 weights shared over all pixels", () => {
    const c = conv2dCost({ cIn: 3, cOut: 16, k: 3, h: 64, w: 64, bias: false });
    expect(c.outputShape).toEqual([64, 64, 16]);
    expect(c.params).toBe(3 * 3 * 3 * 16); // 432
    expect(c.macs / (64 * 64)).toBe(432); // per output pixel, all 16 channels: 16 * 3*3*3
    expect(c.macs).toBe(1_769_472);
    // The conv needs ~1.86 million times fewer parameters and ~455 times fewer MACs than the dense layer.
    expect(805_306_368 / c.params).toBeCloseTo(1_864_135.1, 0);
    expect(Math.round(805_306_368 / c.macs)).toBe(455);
    expect(conv2dCost({ cIn: 3, cOut: 16, k: 3, h: 64, w: 64 }).params).toBe(432 + 16);
  });
});

describe("the lecture's slide formula (bias counted as a MAC) vs the course (bias = 0 MACs)", () => {
  // Slide: Params = cIn·cOut·k² + cOut, MACs = H·W·(cIn·cOut·k² + cOut). The course counts the bias in the
  // parameters but not in the MACs; the slide's MACs are the course's plus one addition per output value.
  const s = { h: 64, w: 64 };
  const biasAdds = (c: { outputShape: number[] }) => c.outputShape.reduce((a, b) => a * b, 1);
  const slide = (parts: ReturnType<typeof conv2dCost>[]) => ({
    params: sumCosts(parts).params, macs: parts.reduce((m, c) => m + c.macs + biasAdds(c), 0),
  });
  it("conv 448 / 1,835,008, pointwise 64 / 262,144, depthwise 30 / 122,880, separable 94 / 385,024", () => {
    const dw = (bias: boolean) => depthwiseConvCost({ c: 3, k: 3, ...s, bias });
    const pw = (bias: boolean) => pointwiseConvCost({ cIn: 3, cOut: 16, ...s, bias });
    expect(slide([conv2dCost({ cIn: 3, cOut: 16, k: 3, ...s, bias: true })])).toEqual({ params: 448, macs: 1_835_008 });
    expect(slide([pw(true)])).toEqual({ params: 64, macs: 262_144 });
    expect(slide([dw(true)])).toEqual({ params: 30, macs: 122_880 });
    expect(slide([dw(true), pw(true)])).toEqual({ params: 94, macs: 385_024 });
    // The course, no bias: 432 / 1,769,472, 48 / 196,608, 27 / 110,592, 75 / 307,200.
    const course = [conv2dCost({ cIn: 3, cOut: 16, k: 3, ...s, bias: false }), pw(false), dw(false),
      separableConvCost({ cIn: 3, cOut: 16, k: 3, ...s, bias: false })].map((c) => [c.params, c.macs]);
    expect(course).toEqual([[432, 1_769_472], [48, 196_608], [27, 110_592], [75, 307_200]]);
  });
});

describe("pooling", () => {
  it("2x2 max/average pool, stride 2: no params, no MACs, one op per window element", () => {
    const c = poolingCost({ c: 16, h: 32, w: 32, pool: 2 });
    expect(c).toEqual({ params: 0, trainableParams: 0, nonTrainableParams: 0, macs: 0, outputShape: [16, 16, 16], windowOps: 16 * 16 * 16 * 4 });
  });
  it("3x3 window with stride 2, valid and same padding", () => {
    expect(poolingCost({ c: 8, h: 15, w: 15, pool: 3, stride: 2 }).outputShape).toEqual([7, 7, 8]);
    expect(poolingCost({ c: 8, h: 15, w: 15, pool: 3, stride: 2, padding: "same" }).outputShape).toEqual([8, 8, 8]);
  });
  it("global pooling reads every value once and leaves one per channel", () => {
    expect(poolingCost({ c: 64, h: 8, w: 8, pool: "global" })).toMatchObject({ outputShape: [64], windowOps: 4096, params: 0 });
  });
  it("names bad values", () => {
    expect(() => poolingCost({ c: 0, h: 8, w: 8, pool: 2 })).toThrow(/c \(channels\).*got 0/);
    expect(() => poolingCost({ c: 4, h: 8, w: 8, pool: 1.5 })).toThrow(/pool \(window size\).*1.5/);
    expect(() => poolingCost({ c: 4, h: 2, w: 8, pool: 3 })).toThrow(/kernel 3 is larger than the padded input height/);
  });
});

describe("output sizes", () => {
  it("same, valid, explicit padding, stride and dilation", () => {
    expect(convOutputSize(64, 3, 1, "same")).toBe(64);
    expect(convOutputSize(7, 3, 2, "same")).toBe(4); // ceil(7/2)
    expect(convOutputSize(7, 3, 2, "valid")).toBe(3); // floor((7-3)/2)+1
    expect(convOutputSize(7, 3, 1, 1)).toBe(7); // (7+2-3)+1
    expect(convOutputSize(7, 5, 1, 0)).toBe(3);
    expect(convOutputSize(9, 3, 1, "valid", 2)).toBe(5); // effective kernel 5
  });
});

describe("primitives by hand", () => {
  it("pointwise conv: one MAC per (pixel, cIn, cOut)", () => {
    const c = pointwiseConvCost({ cIn: 16, cOut: 32, h: 10, w: 10 });
    expect(c.params).toBe(16 * 32 + 32);
    expect(c.macs).toBe(10 * 10 * 16 * 32);
    expect(pointwiseConvCost({ cIn: 16, cOut: 32, h: 10, w: 10, stride: 2 }).outputShape).toEqual([5, 5, 32]);
  });

  it("grouped conv divides weights and MACs by the group count", () => {
    const g = conv2dCost({ cIn: 16, cOut: 32, k: 3, h: 8, w: 8, groups: 4, bias: false });
    expect(g.params).toBe(3 * 3 * 4 * 32);
    expect(g.macs).toBe(8 * 8 * 32 * 4 * 9);
  });

  it("depthwise conv with depth multiplier", () => {
    const c = depthwiseConvCost({ c: 16, k: 3, h: 32, w: 32, depthMultiplier: 2 });
    expect(c.outputShape).toEqual([32, 32, 32]);
    expect(c.params).toBe(3 * 3 * 16 * 2 + 32);
    expect(c.macs).toBe(32 * 32 * 32 * 9);
    const s2 = depthwiseConvCost({ c: 8, k: 5, h: 9, w: 9, stride: 2, padding: "valid", bias: false });
    expect(s2.outputShape).toEqual([3, 3, 8]);
    expect(s2.macs).toBe(3 * 3 * 8 * 25);
  });

  it("separable conv = depthwise (no bias) + pointwise (bias)", () => {
    const c = separableConvCost({ cIn: 16, cOut: 32, k: 3, h: 32, w: 32 });
    expect(c.params).toBe(9 * 16 + 16 * 32 + 32);
    expect(c.macs).toBe(32 * 32 * 16 * 9 + 32 * 32 * 16 * 32);
    // versus a standard 3x3 conv: (1/cOut + 1/k^2) of the MACs
    const full = conv2dCost({ cIn: 16, cOut: 32, k: 3, h: 32, w: 32 });
    expect(c.macs / full.macs).toBeCloseTo(1 / 32 + 1 / 9, 10);
  });

  it("batch-norm: 2C trainable + 2C non-trainable, no MACs", () => {
    expect(batchNormCost({ c: 24 })).toMatchObject({ params: 96, trainableParams: 48, nonTrainableParams: 48, macs: 0 });
  });

  it("depthwise-separable block, with BN", () => {
    const c = depthwiseSeparableBlockCost({ cIn: 16, h: 32, w: 32, filters: 32, stride: 2 });
    expect(c.outputShape).toEqual([16, 16, 32]);
    expect(c.params).toBe(9 * 16 + 4 * 16 + 16 * 32 + 4 * 32);
    expect(c.nonTrainableParams).toBe(2 * 16 + 2 * 32);
    expect(c.macs).toBe(16 * 16 * 16 * 9 + 16 * 16 * 16 * 32);
  });

  it("residual bottleneck: identity and projection shortcuts", () => {
    const id = residualBlockCost({ cIn: 64, h: 8, w: 8, narrow: 16 });
    expect(id.outputShape).toEqual([8, 8, 64]);
    expect(id.params).toBe(64 * 16 + 4 * 16 + 9 * 16 * 16 + 4 * 16 + 16 * 64 + 4 * 64);
    expect(id.macs).toBe(64 * (64 * 16 + 9 * 16 * 16 + 16 * 64));
    const proj = residualBlockCost({ cIn: 32, h: 8, w: 8, narrow: 16, out: 64, stride: 2 });
    expect(proj.outputShape).toEqual([4, 4, 64]);
    expect(proj.macs).toBe(64 * 32 * 16 + 16 * (9 * 16 * 16 + 16 * 64 + 32 * 64));
    expect(proj.params).toBe(32 * 16 + 64 + 9 * 256 + 64 + 16 * 64 + 256 + 32 * 64 + 256);
  });

  it("inverted residual with squeeze-and-excite", () => {
    const c = invertedResidualBlockCost({ cIn: 16, h: 16, w: 16, out: 16, expansion: 4, squeezeExcite: { ratio: 4 } });
    // expand 16->64, dw 3x3 on 64, SE 64->16->64 (with biases), project 64->16, BN after each conv
    expect(c.params).toBe(16 * 64 + 4 * 64 + 9 * 64 + 4 * 64 + (64 * 16 + 16) + (16 * 64 + 64) + 64 * 16 + 4 * 16);
    expect(c.macs).toBe(256 * 16 * 64 + 256 * 64 * 9 + 64 * 16 + 16 * 64 + 256 * 64 * 16);
    expect(invertedResidualPlan(16, { out: 16 }).skip).toBe(true);
    expect(invertedResidualPlan(16, { out: 24 }).skip).toBe(false);
    expect(invertedResidualPlan(16, { out: 16, stride: 2 }).skip).toBe(false);
    expect(invertedResidualPlan(16, { out: 16, expansion: 1 }).expand).toBe(false);
  });
});

describe("bad inputs name the value and the expectation", () => {
  it("negative or zero channels", () => {
    expect(() => conv2dCost({ cIn: -3, cOut: 16, k: 3, h: 8, w: 8 })).toThrow(/cIn \(input channels\) must be a positive integer, got -3/);
    expect(() => conv2dCost({ cIn: 3, cOut: 0, k: 3, h: 8, w: 8 })).toThrow(/cOut \(output channels\) must be a positive integer, got 0/);
    expect(() => depthwiseConvCost({ c: 0, k: 3, h: 8, w: 8 })).toThrow(/c \(input channels\) must be a positive integer, got 0/);
    expect(() => denseCost({ inUnits: 10, outUnits: -1 })).toThrow(/outUnits must be a positive integer, got -1/);
    expect(() => batchNormCost({ c: 2.5 })).toThrow(/got 2.5/);
  });

  it("kernel larger than the padded input", () => {
    expect(() => conv2dCost({ cIn: 3, cOut: 8, k: 5, h: 3, w: 3, padding: "valid" })).toThrow(
      /kernel 5 is larger than the padded input height \(3 = 3 \+ padding "valid"\)/,
    );
    expect(() => conv2dCost({ cIn: 3, cOut: 8, k: 7, h: 3, w: 3, padding: 1 })).toThrow(/kernel 7 is larger than the padded input height \(5/);
    expect(() => conv2dCost({ cIn: 3, cOut: 8, k: [1, 5], h: 8, w: 4, padding: "valid" })).toThrow(/padded input width/);
    expect(() => conv2dCost({ cIn: 3, cOut: 8, k: 3, h: 4, w: 4, padding: "valid", dilation: 2 })).toThrow(/dilated to 5/);
    expect(() => conv2dCost({ cIn: 3, cOut: 8, k: 3, h: 4, w: 4, padding: -1 })).toThrow(/padding must be "same", "valid" or a non-negative integer, got -1/);
  });

  it("bad group counts", () => {
    expect(() => conv2dCost({ cIn: 16, cOut: 16, k: 3, h: 8, w: 8, groups: 1.5 })).toThrow(
      /groups must be a positive integer dividing cIn \(16\) and cOut \(16\), got 1.5/,
    );
    expect(() => conv2dCost({ cIn: 10, cOut: 16, k: 3, h: 8, w: 8, groups: 4 })).toThrow(/dividing cIn \(10\) and cOut \(16\), got 4/);
    expect(() => conv2dCost({ cIn: 16, cOut: 16, k: 3, h: 8, w: 8, groups: 0 })).toThrow(/got 0/);
  });

  it("bad strides and block options", () => {
    expect(() => conv2dCost({ cIn: 3, cOut: 8, k: 3, h: 8, w: 8, stride: 0 })).toThrow(/stride must be a positive integer, got 0/);
    expect(() => residualBlockCost({ cIn: 16, h: 8, w: 8, narrow: 0 })).toThrow(/narrow \(bottleneck channels\) must be a positive integer, got 0/);
    expect(() => invertedResidualBlockCost({ cIn: 16, h: 8, w: 8, out: 16, expansion: 0 })).toThrow(/expansion must be a positive integer, got 0/);
  });
});
