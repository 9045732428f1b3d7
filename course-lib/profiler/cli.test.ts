// The profiler CLI, run in-process through main() (and once as a real subprocess via tsx): built-in
// models, a model.json saved to disk, the fit report, JSON output, and usage / bad-input errors.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { execFileSync } from "child_process";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "./cli";
import { saveLayersModelToDir } from "./model-files";
import { BUILTINS } from "./builtins";
import { profileModel } from "./profile";

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, (s) => out.push(s), (s) => err.push(s));
  return { code, out: out.join("\n"), err: err.join("\n") };
}

let dir: string;
beforeAll(async () => {
  await tf.setBackend("cpu");
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "profile-cli-"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("profile CLI", () => {
  it("profiles a built-in primitive and shows the closed form agrees", async () => {
    const r = await run(["--builtin", "conv3x3"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/conv3x3\s+Conv2D\s+64x64x16\s+432\s+1,769,472/);
    expect(r.out).toMatch(/closed form params 432, MACs 1,769,472: agrees with the profiler/);
  });

  it("adds a fit report per precision with --board", async () => {
    const r = await run(["--builtin", "lenet", "--board", "stm32f303k8"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/fit on STM32F303K8.*int8/);
    expect(r.out).toMatch(/fit on STM32F303K8.*float32/);
    expect(r.out).toMatch(/DOES NOT FIT/);
    const one = await run(["--builtin", "lenet", "--board", "nrf52840", "--precision", "float32", "--reserve-flash", "64K"]);
    expect(one.out).not.toMatch(/, int8/);
    expect(one.out).toMatch(/after reserving 64.0 KiB flash/);
  });

  it("--json prints the profile and the fit reports", async () => {
    const r = await run(["--builtin", "mobilenet-like", "--board", "stm32l476rg", "--json"]);
    expect(r.code).toBe(0);
    const parsed = JSON.parse(r.out);
    const model = BUILTINS["mobilenet-like"].build();
    expect(parsed.profile.totals.params.total).toBe(model.countParams());
    expect(parsed.profile.totals).toEqual(profileModel(model).totals);
    expect(parsed.fits.map((f: { precision: string }) => f.precision)).toEqual(["int8", "float32"]);
    expect(parsed.fits[0].ram.used).toBe(parsed.profile.totals.peakRam.int8);
  });

  it("profiles a model.json from disk (file loader without tfjs-node)", async () => {
    const model = BUILTINS["dws-block"].build();
    const file = await saveLayersModelToDir(model, path.join(dir, "dws"));
    const r = await run([file, "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).profile.totals).toEqual(profileModel(model).totals);
  });

  it("bad inputs: unknown board, unknown builtin, missing file, usage", async () => {
    const board = await run(["--builtin", "mlp", "--board", "esp32"]);
    expect(board.code).toBe(1);
    expect(board.err).toMatch(/unknown board id "esp32"; expected one of: .*esp32-s3/);
    const builtin = await run(["--builtin", "resnet50"]);
    expect(builtin.code).toBe(1);
    expect(builtin.err).toMatch(/unknown builtin model "resnet50"; expected one of: mlp, lenet/);
    const missing = await run([path.join(dir, "nope", "model.json")]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/model file not found: .*nope\/model.json/);
    fs.writeFileSync(path.join(dir, "graph.json"), JSON.stringify({ format: "graph-model", modelTopology: {} }));
    expect((await run([path.join(dir, "graph.json")])).err).toMatch(/is not a tfjs layers model \(format "graph-model"/);
    const usage = await run([]);
    expect(usage.code).toBe(2);
    expect(usage.err).toMatch(/give exactly one of <model.json> or --builtin NAME/);
    expect((await run(["--builtin", "mlp", "--reserve-ram", "lots"])).err).toMatch(/--reserve-ram expects a byte count .* got "lots"/);
    expect((await run(["--bogus"])).err).toMatch(/unknown option --bogus/);
    const list = await run(["--list"]);
    expect(list.code).toBe(0);
    expect(list.out).toMatch(/inverted-residual/);
    expect(list.out).toMatch(/k210/);
  });

  it("runs as a command (tsx), with a clean stdout for --json", () => {
    const root = path.resolve(__dirname, "../..");
    const stdout = execFileSync(path.join(root, "node_modules/.bin/tsx"), [path.join(__dirname, "cli.ts"), "--builtin", "depthwise", "--json"], {
      cwd: root, encoding: "utf8", timeout: 120_000,
    });
    const parsed = JSON.parse(stdout);
    expect(parsed.profile.totals.macs).toBe(parsed.closedForm.macs);
  });
});
