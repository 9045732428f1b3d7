// Graded tests for lesson 03's expansion-factor schedule (exercises/03-phinet-xinet/expansion.ts).
// Run them with `npm run grade -- --only 03.1`. Besides a few worked examples, they compare your schedule
// (to 1e-9) with the expansion factors of real PhiNets and your expandedChannels, given those factors,
// with their channel counts (course-lib/nets/phinet-plan.ts, which matches micromind). The two are checked
// separately, so an algebraically equal formula for t that rounds differently in the last bit still
// passes. The "rejects ..." test also makes valid calls (validCall): a function that throws on every
// input earns nothing for rejecting.
import { expect } from "vitest";
import { errorFrom, graded, validCall } from "../../course-lib/grader/graded";
import { expansionFactor, phinetPlan, type PhiNetOptions } from "../../course-lib/nets/phinet-plan";
import { expandedChannels, expansionSchedule } from "@exercise/03-phinet-xinet/expansion";

graded(
  { id: "03.1", points: 2, feedback: "t_b = t0*beta*b/N + t0*(N-b)/N for b = 1..N: the first entry is for block 1 (not 0), the last equals t0*beta." },
  "expansionSchedule goes linearly from near t0 to t0·beta",
  () => {
    const flat = expansionSchedule(6, 1, 3);
    expect(flat).toHaveLength(3);
    flat.forEach((t) => expect(t).toBeCloseTo(6, 12));
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
  { id: "03.1", points: 3, feedback: "For every block b = 1..N of real PhiNets, your t_b must equal t0*beta*b/N + t0*(N-b)/N (to 1e-9), and expandedChannels(t_b, cIn) must give micromind's channel count: Math.trunc(t_b * cIn), at least 1." },
  "matches real PhiNets: the expansion factor and the expanded channels of every block",
  () => {
    for (const options of NETS) {
      const plan = phinetPlan(options);
      const [t0, beta, n] = [options.t0 as number, options.beta as number, options.numLayers as number];
      const schedule = expansionSchedule(t0, beta, n);
      expect(schedule).toHaveLength(n);
      const net = JSON.stringify(options);
      for (const stage of plan.stages) {
        if (stage.kind !== "block" || stage.blockId === null) continue;
        const block = stage.blockId;
        // The network's own t (micromind's order of operations), so the channel count does not depend
        // on how your schedule rounds.
        const t = expansionFactor(t0, beta, block, n);
        expect({ net, block, t: schedule[block - 1] }).toEqual({ net, block, t: expect.closeTo(t, 9) });
        expect({ net, block, t, cIn: stage.cIn, expanded: expandedChannels(t, stage.cIn) }).toEqual({ net, block, t, cIn: stage.cIn, expanded: stage.expanded });
      }
    }
  },
);

graded(
  { id: "03.1", points: 1, feedback: "Throw a RangeError whose message contains the bad value for t0 < 1, beta <= 0, a non-integer or zero numLayers, expansion <= 0 and a non-integer or zero cIn." },
  "rejects impossible hyperparameters with a message naming the bad value",
  () => {
    validCall("expansionSchedule(1, 0.01, 1)", () => expansionSchedule(1, 0.01, 1));
    validCall("expandedChannels(0.01, 1)", () => expandedChannels(0.01, 1));
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
