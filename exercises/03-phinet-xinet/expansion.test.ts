// Graded tests for lesson 03's expansion-factor schedule (exercises/03-phinet-xinet/expansion.ts).
// Run them with `npm run grade -- --only 03.1`. Besides a few worked examples, they compare your schedule
// with the channel counts of real PhiNets (course-lib/nets/phinet-plan.ts, which matches micromind).
import { expect } from "vitest";
import { errorFrom, graded } from "../../course-lib/grader/graded";
import { phinetPlan, type PhiNetOptions } from "../../course-lib/nets/phinet-plan";
import { expandedChannels, expansionSchedule } from "@exercise/03-phinet-xinet/expansion";

graded(
  { id: "03.1", points: 2, feedback: "t_b = t0*beta*b/N + t0*(N-b)/N for b = 1..N: the first entry is for block 1 (not 0), the last equals t0*beta." },
  "expansionSchedule goes linearly from near t0 to t0·beta",
  () => {
    expect(expansionSchedule(6, 1, 3)).toEqual([6, 6, 6]);
    const s = expansionSchedule(6, 0.5, 4);
    expect(s).toHaveLength(4);
    [5.25, 4.5, 3.75, 3].forEach((t, i) => expect(s[i]).toBeCloseTo(t, 12));
    const long = expansionSchedule(4, 0.75, 9);
    expect(long).toHaveLength(9);
    expect(long[8]).toBeCloseTo(3, 12);
    expect(long[0]).toBeCloseTo(4 * 0.75 / 9 + (4 * 8) / 9, 12);
    for (let i = 1; i < long.length; i++) expect(long[i]).toBeLessThan(long[i - 1]);
    const growing = expansionSchedule(2, 2, 5);
    expect(growing[4]).toBeCloseTo(4, 12);
    expect(growing[0]).toBeCloseTo(2.4, 12);
  },
);

graded(
  { id: "03.1", points: 2, feedback: "expandedChannels = max(1, Math.trunc(expansion * cIn)): truncate (don't round) and never return 0." },
  "expandedChannels truncates t·cIn and never returns 0 channels",
  () => {
    expect(expandedChannels(4, 16)).toBe(64);
    expect(expandedChannels(3.75, 10)).toBe(37);
    expect(expandedChannels(5.9, 1)).toBe(5);
    expect(expandedChannels(0.5, 1)).toBe(1);
    expect(expandedChannels(0.1, 3)).toBe(1);
  },
);

const NETS: PhiNetOptions[] = [
  { inputShape: [3, 96, 96], alpha: 0.5, beta: 0.75, t0: 6, numLayers: 7 },
  { inputShape: [3, 160, 160], alpha: 1, beta: 0.66, t0: 4, numLayers: 7 },
  { inputShape: [1, 64, 64], alpha: 0.35, beta: 1.2, t0: 5, numLayers: 9, downsamplingLayers: [5, 7, 8] },
  { inputShape: [3, 32, 32], alpha: 0.9, beta: 0.5, t0: 3, numLayers: 5 },
];

graded(
  { id: "03.1", points: 3, feedback: "Your schedule must give the exact channel counts of micromind's PhiNet. If only some blocks are off by one, compute t in exactly the order t0 * beta * b / N + t0 * (N - b) / N: another order of the same operations can round 48 down to 47.99999, which truncates to 47." },
  "reproduces the expanded channels of every block of real PhiNets",
  () => {
    for (const options of NETS) {
      const plan = phinetPlan(options);
      const schedule = expansionSchedule(options.t0 as number, options.beta as number, options.numLayers as number);
      expect(schedule).toHaveLength(options.numLayers as number);
      for (const stage of plan.stages) {
        if (stage.kind !== "block" || stage.blockId === null) continue;
        const t = schedule[stage.blockId - 1];
        expect({ net: JSON.stringify(options), block: stage.blockId, expanded: expandedChannels(t, stage.cIn) }).toEqual({
          net: JSON.stringify(options), block: stage.blockId, expanded: stage.expanded,
        });
      }
    }
  },
);

graded(
  { id: "03.1", points: 1, feedback: "Throw a RangeError whose message contains the bad value for t0 < 1, beta <= 0, a non-integer or zero numLayers, expansion <= 0 and a non-integer or zero cIn." },
  "rejects impossible hyperparameters with a message naming the bad value",
  () => {
    const cases: [() => unknown, string][] = [
      [() => expansionSchedule(0.5, 1, 7), "0.5"],
      [() => expansionSchedule(6, -0.25, 7), "-0.25"],
      [() => expansionSchedule(6, 1, 2.5), "2.5"],
      [() => expansionSchedule(6, 1, 0), "0"],
      [() => expansionSchedule(6, Number.NaN, 7), "NaN"],
      [() => expandedChannels(-2, 16), "-2"],
      [() => expandedChannels(4, 1.5), "1.5"],
      [() => expandedChannels(4, 0), "0"],
    ];
    for (const [fn, bad] of cases) {
      const e = errorFrom(fn);
      expect(e).toBeInstanceOf(RangeError);
      expect(e.message).toContain(bad);
    }
  },
);
