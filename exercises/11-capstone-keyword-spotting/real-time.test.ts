// Graded tests for lesson 11's real-time budget (exercises/11-capstone-keyword-spotting/real-time.ts). Run them
// with `npm run grade -- --only 11.3`; each failing test prints its feedback as a hint. Every expected value is
// worked out in the comments: frames/s = 1000 / hop, inferences/s = frames/s / stride, the two products, the
// division by the clock in Hz.
import { expect } from "vitest";
import { errorFrom, graded, validCall } from "../../course-lib/grader/graded";
import { realTimeBudget, type RealTimeBudget, type RealTimeInput } from "@exercise/11-capstone-keyword-spotting/real-time";

function expectBudget(input: RealTimeInput, expected: RealTimeBudget): void {
  const call = `realTimeBudget(${JSON.stringify(input)})`;
  const got = realTimeBudget(input) as unknown as Record<string, unknown>;
  const picked: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(expected)) {
    const g = got?.[k];
    picked[k] = typeof v === "number" && typeof g === "number" && Math.abs(g - v) <= 1e-9 * Math.max(1, Math.abs(v)) ? v : g;
  }
  expect({ call, ...picked }).toEqual({ call, ...expected });
}

graded(
  { id: "11.3", points: 2, feedback: "frames/s = 1000 / hopMs (50 at 20 ms); inferences/s = frames/s / strideFrames; instructions/s = frontEndPerFrame · frames/s + modelPerInference · inferences/s; coreFraction = instructions/s / (clockMHz · 1e6) — MHz is 10⁶ cycles per second. 60 000 per frame and 400 000 per inference, hop 20, stride 10, 80 MHz: 5 000 000 instructions/s, 0.0625 of the core." },
  "instructions per second of audio and the share of the core on hand-worked cases",
  () => {
    // 50 × 60 000 + 5 × 400 000 = 3 M + 2 M = 5 M; 5 M / 80 M = 0.0625
    expectBudget({ frontEndPerFrame: 60_000, modelPerInference: 400_000, hopMs: 20, strideFrames: 10, clockMHz: 80 },
      { framesPerSecond: 50, inferencesPerSecond: 5, instructionsPerSecond: 5e6, coreFraction: 0.0625, keepsUp: true });
    // stride 1: 3 M + 50 × 1.5 M = 78 M; 78 / 72 ≈ 1.083
    expectBudget({ frontEndPerFrame: 60_000, modelPerInference: 1_500_000, hopMs: 20, strideFrames: 1, clockMHz: 72 },
      { framesPerSecond: 50, inferencesPerSecond: 50, instructionsPerSecond: 78e6, coreFraction: 78 / 72, keepsUp: false });
    // hop 10 ms, stride 4: 100 frames/s, 25 inferences/s; 100 × 30 000 + 25 × 2 000 000 = 3 M + 50 M = 53 M; / 168 M
    expectBudget({ frontEndPerFrame: 30_000, modelPerInference: 2_000_000, hopMs: 10, strideFrames: 4, clockMHz: 168 },
      { framesPerSecond: 100, inferencesPerSecond: 25, instructionsPerSecond: 53e6, coreFraction: 53 / 168, keepsUp: true });
    // hop 32 ms (31.25 frames/s), stride 3: 31.25 × 10 000 + (31.25 / 3) × 90 000 = 312 500 + 937 500 = 1.25 M; / 25 M = 0.05
    expectBudget({ frontEndPerFrame: 10_000, modelPerInference: 90_000, hopMs: 32, strideFrames: 3, clockMHz: 25 },
      { framesPerSecond: 31.25, inferencesPerSecond: 31.25 / 3, instructionsPerSecond: 1.25e6, coreFraction: 0.05, keepsUp: true });
  },
);

graded(
  { id: "11.3", points: 1, feedback: "keepsUp is coreFraction · headroom ≤ 1, with headroom 1 when it is not given: exactly the whole core (fraction 1) still keeps up; headroom 2 asks for half the core at most. 40 M/s on 72 MHz is 0.556 of the core: it keeps up, but not with headroom 2." },
  "keeps up: fraction × headroom ≤ 1, headroom 1 by default",
  () => {
    // 50 inferences/s × 16 M = 800 M on 800 MHz: exactly 1
    const full: RealTimeInput = { frontEndPerFrame: 0, modelPerInference: 16e6, hopMs: 20, strideFrames: 1, clockMHz: 800 };
    expectBudget(full, { framesPerSecond: 50, inferencesPerSecond: 50, instructionsPerSecond: 800e6, coreFraction: 1, keepsUp: true });
    expectBudget({ ...full, headroom: 1 }, { framesPerSecond: 50, inferencesPerSecond: 50, instructionsPerSecond: 800e6, coreFraction: 1, keepsUp: true });
    expectBudget({ ...full, headroom: 1.25 }, { framesPerSecond: 50, inferencesPerSecond: 50, instructionsPerSecond: 800e6, coreFraction: 1, keepsUp: false });
    // 5 × 8 M = 40 M on 72 MHz = 0.556: keeps up alone, not with headroom 2 (1.11 > 1), yes with 1.5 (0.833)
    const half: RealTimeInput = { frontEndPerFrame: 0, modelPerInference: 8e6, hopMs: 20, strideFrames: 10, clockMHz: 72 };
    for (const [headroom, keepsUp] of [[undefined, true], [2, false], [1.5, true]] as const) {
      expectBudget({ ...half, headroom }, { framesPerSecond: 50, inferencesPerSecond: 5, instructionsPerSecond: 40e6, coreFraction: 40 / 72, keepsUp });
    }
  },
);

graded(
  { id: "11.3", points: 1, feedback: "Throw a RangeError naming the value when a count is negative or not finite, hopMs or clockMHz is not positive, strideFrames is not an integer ≥ 1 (0, 2.5), or headroom is given and below 1. Counts of 0 are valid (a front end that costs nothing)." },
  "rejects bad counts, rates and headroom, naming the value",
  () => {
    const ok: RealTimeInput = { frontEndPerFrame: 50_000, modelPerInference: 300_000, hopMs: 20, strideFrames: 10, clockMHz: 80 };
    validCall("realTimeBudget({ ...ok, frontEndPerFrame: 0, modelPerInference: 0 })", () => realTimeBudget({ ...ok, frontEndPerFrame: 0, modelPerInference: 0 }));
    validCall("realTimeBudget({ ...ok, headroom: 1 })", () => realTimeBudget({ ...ok, headroom: 1 }));
    const cases: [string, RealTimeInput, RegExp[]][] = [
      ["frontEndPerFrame -1", { ...ok, frontEndPerFrame: -1 }, [/frontEndPerFrame/, /-1/]],
      ["modelPerInference NaN", { ...ok, modelPerInference: Number.NaN }, [/modelPerInference/, /NaN/]],
      ["hopMs 0", { ...ok, hopMs: 0 }, [/hopMs/, /0/]],
      ["strideFrames 0", { ...ok, strideFrames: 0 }, [/strideFrames/, /0/]],
      ["strideFrames 2.5", { ...ok, strideFrames: 2.5 }, [/strideFrames/, /2\.5/]],
      ["clockMHz -80", { ...ok, clockMHz: -80 }, [/clockMHz/, /-80/]],
      ["headroom 0.5", { ...ok, headroom: 0.5 }, [/headroom/, /0\.5/]],
      ["modelPerInference Infinity", { ...ok, modelPerInference: Infinity }, [/Infinity/]],
    ];
    for (const [label, input, named] of cases) {
      const error = errorFrom(() => realTimeBudget(input));
      expect(error, label).toBeInstanceOf(RangeError);
      for (const pattern of named) expect(error.message, label).toMatch(pattern);
    }
  },
);
