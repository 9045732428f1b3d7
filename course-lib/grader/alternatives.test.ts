// Graded tests accept correct solutions written differently from the reference: fixtures/alternatives/
// holds such solutions (an algebraically equal 03.1 schedule that rounds differently in the last bit,
// twice; a 04.1 bisection with a fixed 20 halvings and its own error wording), each graded on the real
// exercises/ tests, where each must score full marks.
import * as path from "path";
import { describe, expect, it } from "vitest";
import { phinetPlan } from "../nets/phinet-plan";
import { grade } from "./run";
import * as factored from "./fixtures/alternatives/factored-schedule/03-phinet-xinet/expansion";
import * as oneMinus from "./fixtures/alternatives/one-minus-schedule/03-phinet-xinet/expansion";

const ALTERNATIVES = path.join(__dirname, "fixtures", "alternatives");

/** Blocks where truncating the alternative's t · cIn loses a channel against the network's own count. */
function channelsLost(schedule: typeof factored.expansionSchedule, options: { inputShape: number[]; alpha: number; beta: number; t0: number; numLayers: number; downsamplingLayers?: number[] }): number[] {
  const t = schedule(options.t0, options.beta, options.numLayers);
  return phinetPlan(options).stages.flatMap((stage) =>
    stage.kind === "block" && stage.blockId !== null && Math.max(1, Math.trunc(t[stage.blockId - 1] * stage.cIn)) !== stage.expanded ? [stage.blockId] : [],
  );
}

describe("correct solutions written differently score full marks", () => {
  it("the two alternative 03.1 schedules really round differently from the network", () => {
    // One of the graded test's nets: block 9 gets 803 channels instead of 804, block 6 186 instead of 187.
    const net = { inputShape: [1, 64, 64], alpha: 0.35, beta: 1.2, t0: 5, numLayers: 9, downsamplingLayers: [5, 7, 8] };
    expect(channelsLost(factored.expansionSchedule, net)).toEqual([9]);
    expect(channelsLost(oneMinus.expansionSchedule, net)).toEqual([6]);
  });

  it.each([
    ["factored-schedule", "03.1"],
    ["one-minus-schedule", "03.1"],
    ["fixed-iterations", "04.1"],
  ])("%s (exercise %s)", async (dir, only) => {
    const report = await grade({ targetDir: path.join(ALTERNATIVES, dir), only });
    expect(report.tests.filter((t) => !t.passed).map((t) => `${t.title}: ${t.error}\n${t.diff ?? ""}`)).toEqual([]);
    expect(report.totals.testsTotal).toBeGreaterThan(0);
    expect(report.totals.pointsEarned).toBe(report.totals.pointsPossible);
    expect(report.warnings).toEqual([]);
  }, 120_000);
});
