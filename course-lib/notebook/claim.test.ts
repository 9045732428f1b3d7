// Tests of claim(): the verdict lines it prints and the parsers the notebook test reads them with.
import { afterEach, describe, expect, it, vi } from "vitest";
import { claim, claimIdsInSource, claimVerdicts } from "./claim";

afterEach(() => vi.restoreAllMocks());

describe("claim", () => {
  it("prints ✓ with the evidence when the claim holds, ✗ when it does not, and returns nothing", () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    expect(claim("02.dense-vs-conv", "dense is slower per MAC", true, "0.4 vs 1.0")).toBeUndefined();
    claim("02.dense-vs-conv", "dense is slower per MAC", false);
    const lines = log.mock.calls.map((c) => String(c[0]));
    expect(lines).toEqual([
      "✓ claim 02.dense-vs-conv: dense is slower per MAC (0.4 vs 1.0)",
      "✗ claim 02.dense-vs-conv does not hold on this run: dense is slower per MAC",
    ]);
    expect(claimVerdicts(lines.join("\n") + "\nother output\n")).toEqual([
      { id: "02.dense-vs-conv", holds: true, text: "dense is slower per MAC (0.4 vs 1.0)" },
      { id: "02.dense-vs-conv", holds: false, text: "dense is slower per MAC" },
    ]);
  });

  it("rejects a bad id, an empty statement and a non-boolean verdict, naming the value", () => {
    expect(() => claim("dense", "x", true)).toThrow(/"dense"/);
    expect(() => claim("02.x", " ", true)).toThrow(/non-empty/);
    expect(() => claim("02.x", "x", 1 as unknown as boolean)).toThrow(/number 1/);
  });

  it("finds the claim ids a notebook's code mentions", () => {
    const source = 'claim("03.wider-is-better", `...`, a > b);\nclaim( \'04.t0-floor\', "x", true)\nunclaimed("05.x")';
    expect(claimIdsInSource(source)).toEqual(["03.wider-is-better", "04.t0-floor"]);
  });
});
