// The profiler CLI's network mode (course-lib/profiler/net-cli.ts): JSON output for PhiNet and XiNet,
// the closed-form agreement line, and usage / option errors.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { netMain } from "../profiler/net-cli";

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await netMain(args, (s) => out.push(s), (s) => err.push(s));
  return { code, out: out.join("\n"), err: err.join("\n") };
}

beforeAll(async () => {
  await tf.setBackend("cpu");
});

describe("net CLI", () => {
  it("--net phinet --json prints the anchors", async () => {
    const r = await run(["--net", "phinet", "--input", "3,224,224", "--json"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect([j.params, j.macs, j.outShape, j.closedFormAgrees]).toEqual([30917, 9815790, [7, 7, 38], true]);
    expect(j.flashInt8Bytes).toBeGreaterThan(0);
    expect(j.peakActivationInt8Bytes).toBeGreaterThan(0);
  });
  it("passes PhiNet options through", async () => {
    const r = await run(["--net", "phinet", "--input", "3,96,96", "--alpha", "1", "--beta", "0.66", "--t0", "4", "--num-layers", "7",
      "--downsampling-layers", "5,7", "--conv5-percent", "0.2", "--divisor", "2", "--include-top", "--num-classes", "5", "--json"]);
    const j = JSON.parse(r.out);
    expect([j.params, j.macs, j.outShape]).toEqual([271206, 22692320, [5]]);
  });
  it("builds the keyword PhiNet on 49x10 MFCCs that micromind builds (issue 14's command: 49,821 params, 258,765 MACs, 12 outputs)", async () => {
    const r = await run(["--net", "phinet", "--input", "1,49,10", "--alpha", "0.25", "--beta", "1", "--t0", "6", "--num-layers", "7",
      "--include-top", "--num-classes", "12", "--json"]);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect([j.params, j.macs, j.outShape, j.closedFormAgrees]).toEqual([49821, 258765, [12], true]);
  });
  it("xinet table output", async () => {
    const r = await run(["--net", "xinet", "--input", "3,64,64", "--gamma", "2", "--alpha", "0.5"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/xinet: [\d,]+ trainable params/);
    expect(r.out).toMatch(/closed form \(course-lib\/nets\): agrees with the profiler/);
  });
  it("errors", async () => {
    expect((await run(["--net", "mobilenet", "--input", "3,64,64"])).err).toMatch(/--net must be phinet or xinet, got "mobilenet"/);
    expect((await run(["--net", "phinet"])).code).toBe(2);
    expect((await run(["--net", "phinet", "--input", "3,64"])).err).toMatch(/--input expects C,H,W/);
    expect((await run(["--net", "phinet", "--input", "3,64,64", "--alfa", "1"])).err).toMatch(/unknown option --alfa/);
    const bad = await run(["--net", "xinet", "--input", "3,64,64", "--gamma", "0.5"]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/xinet: option gamma must be a compression factor >= 1/);
  });
});
