// detect.ts on hand-made score sequences (every expected detection worked out in the comments: q + 128,
// the sums over the window, the required sum ceil(threshold · 256 · n)), its option checks, and
// real-time.ts's load on hand-computed counts.
import { describe, expect, it } from "vitest";
import { createDetector, detectKeywords, requiredSum, resolveDetectionOptions } from "./detect";
import { realTimeLoad } from "./real-time";

/** A score vector of `classes` int8 values, all −128 except the given ones. */
function scores(classes: number, set: Record<number, number>): number[] {
  return Array.from({ length: classes }, (_, k) => set[k] ?? -128);
}

const brief = (d: { inference: number; class: number; sum: number; count: number }) => [d.inference, d.class, d.sum, d.count];

describe("detectKeywords", () => {
  it("window 1: reports the top class when its probability (q + 128) / 256 reaches the threshold", () => {
    const seq = [
      scores(3, { 1: 127 }), // u = [0, 255, 0]: class 1, 255 ≥ ceil(0.5·256) = 128
      scores(3, { 0: 0 }), // [128, 0, 0]: class 0, exactly 128 ≥ 128
      scores(3, { 0: -1 }), // [127, 0, 0]: 127 < 128, nothing
      scores(3, { 2: 100 }), // [0, 0, 228]: class 2
    ];
    const d = detectKeywords(seq, { window: 1, threshold: 0.5, suppression: 0 });
    expect(d.map(brief)).toEqual([[0, 1, 255, 1], [1, 0, 128, 1], [3, 2, 228, 1]]);
    expect(d.map((x) => x.score)).toEqual([255 / 256, 0.5, 228 / 256]);
  });

  it("averages the last `window` inferences, fewer at the start of the stream", () => {
    // class 1's u: 200, 100, 250, 0 (others 0); window 3, threshold 0.6 → required ceil(153.6 n): 154, 308, 461
    const seq = [72, -28, 122, -128].map((q) => scores(2, { 1: q }));
    const d = detectKeywords(seq, { window: 3, threshold: 0.6, suppression: 0 });
    // n=1: 200 ≥ 154 ✓; n=2: 300 < 308 ✗; n=3: 550 ≥ 461 ✓; n=3 (100+250+0): 350 < 461 ✗
    expect(d.map(brief)).toEqual([[0, 1, 200, 1], [2, 1, 550, 3]]);
    expect(d[1].score).toBeCloseTo(550 / 768, 15);
  });

  it("decides the threshold with integers: sum ≥ Math.ceil(threshold · 256 · n)", () => {
    expect(requiredSum(0.7, 3)).toBe(538); // 537.6 → 538
    expect(requiredSum(0.75, 4)).toBe(768); // exact
    expect(requiredSum(1, 2)).toBe(512); // unreachable: at most 255 per inference
    // class 0's u: 179, 179, 179, 180. Required: ceil(179.2) = 180, ceil(358.4) = 359, ceil(537.6) = 538.
    // 179 < 180, 358 < 359, 537 < 538 (each 0.6992 < 0.7), then 179 + 179 + 180 = 538 ≥ 538
    const seq = [51, 51, 51, 52].map((q) => scores(2, { 0: q }));
    expect(detectKeywords(seq, { window: 3, threshold: 0.7, suppression: 0 }).map(brief)).toEqual([[3, 0, 538, 3]]);
    expect(detectKeywords([scores(1, { 0: 127 }), scores(1, { 0: 127 })], { window: 2, threshold: 1, suppression: 0 })).toEqual([]);
  });

  it("a tie for the top class goes to the lowest index", () => {
    const d = detectKeywords([scores(3, { 1: 0, 2: 0 }), scores(3, { 0: 10, 2: 10 })], { window: 1, threshold: 0.5, suppression: 0 });
    expect(d.map((x) => x.class)).toEqual([1, 0]);
  });

  it("suppression: the same class is not reported again for `suppression` inferences; other classes are", () => {
    const strong = (k: number) => scores(3, { [k]: 127 });
    const seq = [strong(2), strong(2), strong(1), strong(2), strong(2), strong(2), strong(2)];
    // class 2 at 0; at 1 (1 − 0 < 3) suppressed; class 1 at 2; class 2 at 3 (3 − 0 = 3, not < 3); 4, 5 suppressed; 6 reported
    expect(detectKeywords(seq, { window: 1, threshold: 0.5, suppression: 3 }).map((d) => [d.inference, d.class])).toEqual([[0, 2], [2, 1], [3, 2], [6, 2]]);
    // 0 and 1 suppress nothing
    for (const suppression of [0, 1]) expect(detectKeywords(seq, { window: 1, threshold: 0.5, suppression })).toHaveLength(7);
  });

  it("ignored classes are never reported, even as the top class (the runner-up is not considered)", () => {
    const seq = [scores(3, { 0: 127, 1: 60 }), scores(3, { 1: 60 })];
    // top class 0 is ignored: nothing, although class 1 (188/256) is above 0.5; then class 1 alone
    expect(detectKeywords(seq, { window: 1, threshold: 0.5, suppression: 0, ignore: [0] }).map(brief)).toEqual([[1, 1, 188, 1]]);
  });

  it("the incremental detector gives the same detections one inference at a time", () => {
    const seq = Array.from({ length: 40 }, (_, i) => scores(4, { [i % 4]: ((i * 37) % 256) - 128, [(i + 1) % 4]: ((i * 91) % 256) - 128 }));
    const options = { window: 4, threshold: 0.3, suppression: 2, ignore: [3] };
    const detector = createDetector(options);
    const incremental = seq.map((s) => detector.push(s)).filter((d) => d !== null);
    expect(incremental).toEqual(detectKeywords(seq, options));
    expect(detector.inferences).toBe(40);
    expect(incremental.length).toBeGreaterThan(3);
  });

  it("rejects bad options and scores with RangeErrors naming the value", () => {
    const ok = { window: 2, threshold: 0.5, suppression: 1 };
    expect(detectKeywords([], ok)).toEqual([]);
    for (const [bad, pattern] of [
      [{ ...ok, window: 0 }, /window .*>= 1.*got 0/],
      [{ ...ok, window: 1.5 }, /window .*got 1\.5/],
      [{ ...ok, threshold: 0 }, /threshold .*\(0, 1\].*got 0/],
      [{ ...ok, threshold: 1.01 }, /threshold .*got 1\.01/],
      [{ ...ok, threshold: Number.NaN }, /threshold .*got NaN/],
      [{ ...ok, suppression: -1 }, /suppression .*>= 0.*got -1/],
      [{ ...ok, ignore: [0, -2] }, /ignore\[1\] .*got -2/],
    ] as const) {
      expect(() => resolveDetectionOptions(bad as never)).toThrow(RangeError);
      expect(() => resolveDetectionOptions(bad as never)).toThrow(pattern);
    }
    expect(() => detectKeywords([scores(3, {})], { ...ok, ignore: [3] })).toThrow(/ignore lists class 3, but the scores have 3 classes/);
    expect(() => detectKeywords([scores(3, {}), scores(2, {})], ok)).toThrow(/inference 1 has 2 scores, expected 3/);
    expect(() => detectKeywords([[0, 128]], ok)).toThrow(/class 1 score 128 is not an int8/);
    expect(() => detectKeywords([[0, 0.5]], ok)).toThrow(/score 0\.5 is not an int8/);
    expect(() => detectKeywords([[]], ok)).toThrow(/non-empty/);
  });
});

describe("realTimeLoad", () => {
  it("adds the front end per frame and the model per inference over a second of audio", () => {
    // 50 frames/s × 60 000 + 5 inferences/s × 400 000 = 3 000 000 + 2 000 000 = 5 M/s; 5 M / 80 M = 1/16
    const load = realTimeLoad({ frontEndPerFrame: 60_000, modelPerInference: 400_000, hopMs: 20, strideFrames: 10, clockMHz: 80 });
    expect(load).toEqual({
      framesPerSecond: 50, inferencesPerSecond: 5, frontEndPerSecond: 3e6, modelPerSecond: 2e6, instructionsPerSecond: 5e6, coreFraction: 0.0625, keepsUp: true,
    });
    // 72 MHz, stride 1 (50 inferences/s): 3 M + 50 × 1.5 M = 78 M/s > 72 M: does not keep up
    const heavy = realTimeLoad({ frontEndPerFrame: 60_000, modelPerInference: 1.5e6, hopMs: 20, strideFrames: 1, clockMHz: 72 });
    expect(heavy.instructionsPerSecond).toBe(78e6);
    expect(heavy.keepsUp).toBe(false);
    // headroom 2: 40 M/s on 72 MHz is 0.556 of the core, ×2 > 1
    const half = realTimeLoad({ frontEndPerFrame: 0, modelPerInference: 8e6, hopMs: 20, strideFrames: 10, clockMHz: 72, headroom: 2 });
    expect([half.coreFraction, half.keepsUp]).toEqual([40 / 72, false]);
    expect(() => realTimeLoad({ frontEndPerFrame: 1, modelPerInference: 1, hopMs: 20, strideFrames: 0, clockMHz: 80 })).toThrow(/strideFrames must be an integer >= 1, got 0/);
    expect(() => realTimeLoad({ frontEndPerFrame: 1, modelPerInference: 1, hopMs: 20, strideFrames: 1, clockMHz: 80, headroom: 0.5 })).toThrow(/headroom .*got 0\.5/);
  });
});
