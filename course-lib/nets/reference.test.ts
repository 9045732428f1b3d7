// micromindCounts reads micromind's measured counts from the fixture, and names what it cannot find.
import { describe, expect, it } from "vitest";
import { micromindCounts } from "./reference";
import { phinetCost } from "./phinet-cost";
import { xinetCost } from "./xinet-cost";

describe("micromindCounts", () => {
  it("returns micromind's counts, whatever the options' key order", () => {
    expect(micromindCounts("phinet", { inputShape: [3, 224, 224] })).toEqual({ params: 30917, macs: 9815790, outShape: [38, 7, 7] });
    const a = micromindCounts("phinet", { inputShape: [3, 224, 224], alpha: 1.0, beta: 0.75, t0: 6 });
    const b = micromindCounts("phinet", { t0: 6, beta: 0.75, alpha: 1.0, inputShape: [3, 224, 224] });
    expect(a).toEqual(b);
  });

  it("matches the ports' trainable parameters; tfjs's total adds batch norm's moving statistics", () => {
    for (const [family, cost] of [["phinet", phinetCost], ["xinet", xinetCost]] as const) {
      const options = { inputShape: [3, 224, 224] };
      const ours = cost(options);
      const theirs = micromindCounts(family, options);
      expect(ours.params.trainable).toBe(theirs.params);
      expect(ours.macs).toBe(theirs.macs);
      expect(ours.params.total).toBe(ours.params.trainable + ours.params.nonTrainable);
      expect(ours.params.nonTrainable).toBeGreaterThan(0);
    }
  });

  it("names configurations it does not have, and ones micromind cannot run", () => {
    expect(() => micromindCounts("phinet", { inputShape: [3, 200, 200] })).toThrow(/phinet \{"inputShape":\[3,200,200\]\} was not measured/);
    expect(() => micromindCounts("phinet", { inputShape: [3, 16, 16], conv5Percent: 0.3 })).toThrow(/micromind itself cannot run/);
    expect(() => micromindCounts("resnet" as "phinet", { inputShape: [3, 224, 224] })).toThrow(/family must be "phinet" or "xinet", got "resnet"/);
    expect(() => micromindCounts("xinet", null as unknown as Record<string, unknown>)).toThrow(/options must be an options object/);
  });
});
