// The capstone pipeline end to end on its smallest configuration (preset "test": a few hundred clips, one
// epoch per stage), firmware included, and the report's invariants: the firmware bit-exact with the integer
// interpreter, every deployed stage's footprint within the board's budget, accuracy recorded at every
// stage; then the cache (a re-run with one changed option recomputes only what depends on it), the errors
// (nothing fits, a budget that cannot be met, bad options) and the command line's parsing.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RUNTIME_RESERVE } from "../boards/budget";
import { REPO_ROOT } from "../deploy/c/sources";
import { initBackend } from "../runtime/backend";
import { canonicalJson, cachedStage, stageKey } from "./cache";
import { parseArgs, UsageError } from "./cli";
import { PipelineOptionError, resolvePipelineOptions, type PipelineOptions } from "./options";
import type { PipelineReport, StageName } from "./report";
import { runPipeline } from "./run";
import { macBudget, RESERVE_MARGIN } from "./stages";
import { retargetBudget } from "./retarget";
import { firmwareConfusionFigure, stageAccuracyFigure, stageFootprintFigure, streamTimelineFigure } from "./show";

const dir = mkdtempSync(join(tmpdir(), "pipeline-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BASE: PipelineOptions = { dataset: "keywords", board: "stm32f303k8", preset: "test", budgetMs: 40, seed: 3, outDir: dir, display: false };

let first: PipelineReport;

beforeAll(async () => {
  await initBackend();
  first = await runPipeline(BASE);
}, 240_000);

const rowOf = (r: PipelineReport, stage: StageName) => {
  const row = r.stages.find((s) => s.stage === stage);
  if (!row) throw new Error(`no ${stage} row in ${r.stages.map((s) => s.stage).join(", ")}`);
  return row;
};

describe("runPipeline on the test preset (STM32F303K8, 40 ms)", () => {
  it("runs every stage in order and writes report.json (equal to the returned report) and report.html", () => {
    expect(first.stages.map((s) => s.stage)).toEqual(["calibrate", "scale", "teacher", "student", "distil", "prune", "quantize", "firmware", "stream"]);
    expect(JSON.parse(readFileSync(first.files.json, "utf8"))).toEqual(JSON.parse(JSON.stringify(first)));
    const html = readFileSync(first.files.html, "utf8");
    expect(html).toContain("<table");
    for (const s of first.stages) expect(html).toContain(s.title);
    expect(first.files.json).toBe(join(dir, "keywords-stm32f303k8-mfcc-s3", "report.json"));
    expect(first.stages.every((s) => !s.cached)).toBe(true);
  });

  it("converts the latency budget to MACs with the measured instructions per MAC, and the scaled net respects it", () => {
    const c = rowOf(first, "calibrate");
    expect(first.budget.perMac).toBeGreaterThan(1);
    expect(c.instructions! / c.macs!).toBeCloseTo(first.budget.perMac!, 6);
    expect(first.budget.macs).toBe(macBudget(40, 72, first.budget.perMac!));
    expect(rowOf(first, "scale").macs).toBeLessThanOrEqual(first.budget.macs!);
  });

  it("keeps every deployed stage within the board's budget (the teacher is not deployed)", () => {
    // The reserve is measured on the probe's firmwares (classifying and streaming), not RUNTIME_RESERVE's guess.
    const c = rowOf(first, "calibrate");
    expect(c.note).toMatch(/firmwares need \d+ B flash and \d+ B RAM beyond the estimate/);
    expect(first.budget.flashBytes).toBe(64 * 1024 - first.budget.reserve.flashBytes);
    expect(first.budget.ramBytes).toBe(16 * 1024 - first.budget.reserve.ramBytes);
    expect(first.budget.reserve.flashBytes).toBeGreaterThan(RESERVE_MARGIN.flashBytes);
    expect(first.budget.reserve.ramBytes).toBeGreaterThan(RESERVE_MARGIN.ramBytes);
    expect(first.budget.int8Graph.flashBytes).toBeGreaterThan(0);
    for (const s of first.stages) {
      if (s.stage === "calibrate") continue;
      if (s.stage === "teacher") {
        expect(s.withinBudget).toBeNull();
        continue;
      }
      expect(s.withinBudget, `${s.stage} within budget`).toBe(true);
      expect(s.flashBytes, s.stage).toBeGreaterThan(0);
      expect(s.ramBytes, s.stage).toBeGreaterThan(0);
      if (["scale", "student", "distil", "prune"].includes(s.stage)) {
        expect(s.flashBytes!).toBeLessThanOrEqual(first.budget.flashBytes);
        expect(s.ramBytes!).toBeLessThanOrEqual(first.budget.ramBytes);
      } else if (s.stage === "quantize") {
        expect(s.flashBytes!).toBeLessThanOrEqual(first.budget.int8Graph.flashBytes);
        expect(s.ramBytes!).toBeLessThanOrEqual(first.budget.int8Graph.ramBytes);
      } else {
        expect(s.flashBytes!).toBeLessThanOrEqual(first.board.flashBytes);
        expect(s.ramBytes!).toBeLessThanOrEqual(first.board.ramBytes);
      }
    }
    // Structured pruning makes the model really smaller.
    expect(rowOf(first, "prune").params!).toBeLessThan(rowOf(first, "distil").params!);
    expect(rowOf(first, "prune").macs!).toBeLessThan(rowOf(first, "distil").macs!);
  });

  it("records accuracy at every stage: float while training, float and int8 after quantization, int8 and firmware on the board", () => {
    const acc = (x: number | null) => typeof x === "number" && x >= 0 && x <= 1;
    for (const stage of ["teacher", "student", "distil", "prune"] as const) {
      expect(acc(rowOf(first, stage).accuracy.float), stage).toBe(true);
      expect(acc(rowOf(first, stage).validation), stage).toBe(true);
    }
    const q = rowOf(first, "quantize");
    expect(acc(q.accuracy.float) && acc(q.accuracy.int8)).toBe(true);
    const f = rowOf(first, "firmware");
    expect(acc(f.accuracy.firmware) && acc(f.accuracy.int8)).toBe(true);
    expect(first.quantization.method === "ptq" || first.quantization.method === "qat").toBe(true);
  });

  it("runs the firmware bit-exact with the integer interpreter on the first test clips", () => {
    const f = first.firmware!;
    expect(f.bitExact).toBe(true);
    expect(f.clips).toBe(6);
    expect(f.predictions).toHaveLength(6);
    expect(f.accuracy).toBe(f.interpreterAccuracyOnClips);
    expect(f.accuracy).toBeCloseTo(f.predictions.filter((p, k) => p === f.labels[k]).length / 6, 12);
    expect(f.confusion.flat().reduce((a, b) => a + b, 0)).toBe(6);
    const row = rowOf(first, "firmware");
    expect(row.instructions).toBeGreaterThan(row.macs!);
    expect(row.latencyMs).toBeCloseTo((row.instructions! / 72e6) * 1e3, 9);
    expect(f.budgetMet).toBe(row.latencyMs! <= 40);
  });

  it("streams raw test audio through the board's C front end: features within tolerance, outputs and detections exact", () => {
    const st = first.stream!;
    expect(st.clips).toBe(2);
    expect(st.words).toEqual(["yes", "no"]);
    expect(st.audio.map((a) => a.startSeconds)).toEqual([0, 1]);
    expect(st.bitExact && st.detectionsMatch).toBe(true);
    expect(st.features.maxAbsDifference).toBeLessThanOrEqual(1e-3);
    expect(st.features.differingFraction).toBeLessThanOrEqual(5e-3);
    // 2 s of audio, a 980 ms window, a new inference every 10 frames (200 ms): 6 inferences.
    expect(st.inferences).toHaveLength(6);
    for (const inf of st.inferences) {
      expect(inf.probabilities).toHaveLength(12);
      expect(inf.probabilities.reduce((a, b) => a + b, 0)).toBeGreaterThan(0.9);
    }
    expect(st.coreFraction).toBeCloseTo(st.instructionsPerSecondOfAudio / 72e6, 9);
    expect(st.keepsUp).toBe(st.coreFraction <= 1);
    expect(st.flashBytes).toBeLessThanOrEqual(64 * 1024);
    expect(st.ramBytes).toBeLessThanOrEqual(16 * 1024);
  });

  it("draws the lesson's figures from the report, and retargets its latency from the probe's and the firmware's measurements", () => {
    const timeline = streamTimelineFigure(first);
    expect(timeline.data.map((t) => (t as { name: string }).name)).toEqual(["yes", "no", "detected"]);
    expect(stageAccuracyFigure([first]).data).toHaveLength(1);
    expect(firmwareConfusionFigure(first).data).toHaveLength(1);
    expect(stageFootprintFigure(first).data).toHaveLength(2);
    const f = rowOf(first, "firmware");
    const target = f.latencyMs! * 1.5;
    const r = retargetBudget(first, target);
    // The line through the two measurements predicts the firmware it was fitted on.
    expect(r.overhead + r.marginal * f.macs!).toBeCloseTo(f.instructions!, 3);
    expect(r.finalMacs).toBeGreaterThan(f.macs!);
    expect(() => retargetBudget(first, 1e-6)).toThrow(RangeError);
  });

  it("reuses every stage before the changed option and recomputes the rest", async () => {
    const second = await runPipeline({ ...BASE, prune: { ratio: 0.5 } });
    const cached = Object.fromEntries(second.stages.map((s) => [s.stage, s.cached]));
    expect(cached).toEqual({ calibrate: true, scale: true, teacher: true, student: true, distil: true, prune: false, quantize: false, firmware: false, stream: false });
    for (const stage of ["scale", "teacher", "student", "distil"] as const) {
      expect(rowOf(second, stage).key).toBe(rowOf(first, stage).key);
      expect(rowOf(second, stage).accuracy).toEqual(rowOf(first, stage).accuracy);
    }
    expect(rowOf(second, "prune").params!).toBeLessThan(rowOf(first, "prune").params!);
  }, 180_000);

});

describe("pipeline reproducibility", () => {
  it("gives the same numbers in two fresh processes with the same seed (dropout and other training draws are seeded by each stage's key)", () => {
    const run = () => {
      const out = mkdtempSync(join(tmpdir(), "pipeline-repro-"));
      try {
        const args = ["course-lib/pipeline/cli.ts", "--dataset", "keywords", "--board", "stm32f303k8", "--preset", "test", "--no-distill", "--no-prune",
          "--firmware-clips", "1", "--no-stream", "--out", out, "--json"];
        const report = JSON.parse(execFileSync(join(REPO_ROOT, "node_modules", ".bin", "tsx"), args, { cwd: REPO_ROOT, encoding: "utf8", timeout: 120_000, stdio: ["ignore", "pipe", "ignore"] })) as PipelineReport;
        return report.stages.map((s) => ({ stage: s.stage, key: s.key, accuracy: s.accuracy, validation: s.validation, instructions: s.instructions }));
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    };
    const a = run();
    expect(a.map((s) => s.stage)).toEqual(["calibrate", "scale", "student", "quantize", "firmware"]);
    expect(run()).toEqual(a);
  }, 300_000);
});

describe("pipeline errors", () => {
  it("names the board's limit when nothing fits it", async () => {
    await expect(runPipeline({ ...BASE, budgetMs: null, features: "logmel", net: { firstConvStride: 1 } }))
      .rejects.toThrow(/no phinet fits STM32F303K8 .*the smallest one \(alpha [\d.]+, beta [\d.]+, t0 \d+\) needs [\d,]+ B of RAM, but .* has 16,384 B minus [\d,]+ B that the probe's firmware measured beyond the model .* = [\d,]+ B\. Pick a board with more RAM, or the smaller MFCC input/);
  }, 60_000);

  it("says when a latency budget cannot be met", async () => {
    await expect(runPipeline({ ...BASE, budgetMs: 0.05 })).rejects.toThrow(/needs [\d,]+ MACs, but 0.05 ms at 72 MHz allows [\d,]+\. Raise the latency budget/);
  }, 60_000);

  it("rejects bad options before any work, naming the value", () => {
    const r = (o: Partial<PipelineOptions>) => () => resolvePipelineOptions({ ...BASE, ...o } as PipelineOptions, dir);
    expect(r({ dataset: "speech" as "keywords" })).toThrow(/dataset "speech" is not there/);
    expect(r({ board: "stm32f999" })).toThrow(/unknown board "stm32f999"; expected one of .*stm32f303k8/);
    expect(r({ board: "esp32-s3" })).toThrow(/board "esp32-s3" has no QEMU machine/);
    expect(r({ budgetMs: -1 })).toThrow(/budgetMs must be a latency in ms > 0/);
    expect(r({ prune: { ratio: 1.5 } })).toThrow(/prune.ratio must be a fraction of filters in \(0, 1\)/);
    expect(r({ net: { alpha: 2 } })).toThrow(/net.alpha is set by the pipeline/);
    expect(r({ train: { epochs: 0 } })).toThrow(/train.epochs must be an integer in 1..1000, got 0/);
    expect(r({ quantize: { qatEpoch: 1 } as never })).toThrow(/unknown option quantize.qatEpoch/);
    expect(r({ firmware: false, stream: { clips: 2 } })).toThrow(/stream needs the firmware stage/);
    expect(() => resolvePipelineOptions({ ...BASE, colour: 1 } as unknown as PipelineOptions, dir)).toThrow(PipelineOptionError);
  });
});

describe("the stage cache", () => {
  it("keys on the inputs' values, not their key order, and on the parents", () => {
    expect(canonicalJson({ b: 1, a: [1, { d: 2, c: null }] })).toBe(canonicalJson({ a: [1, { c: null, d: 2 }], b: 1 }));
    expect(stageKey("prune", { a: 1, b: 2 }, ["x"])).toBe(stageKey("prune", { b: 2, a: 1 }, ["x"]));
    expect(stageKey("prune", { a: 1 }, ["x"])).not.toBe(stageKey("prune", { a: 1 }, ["y"]));
    expect(stageKey("prune", { a: 1 }, [])).not.toBe(stageKey("prune", { a: 2 }, []));
  });

  it("stores nothing when the computation fails, and returns the stored result next time", async () => {
    const cacheDir = join(dir, "cache-unit");
    await expect(cachedStage(cacheDir, "s", "k1", {}, async () => { throw new Error("boom"); })).rejects.toThrow("boom");
    expect(existsSync(join(cacheDir, "s", "k1"))).toBe(false);
    let calls = 0;
    const a = await cachedStage(cacheDir, "s", "k1", {}, async () => ({ n: ++calls }));
    const b = await cachedStage(cacheDir, "s", "k1", {}, async () => ({ n: ++calls }));
    expect([a.hit, b.hit, b.result, calls]).toEqual([false, true, { n: 1 }, 1]);
  });
});

describe("npm run pipeline's arguments", () => {
  it("parses the issue's command line", () => {
    const p = parseArgs(["--dataset", "keywords", "--board", "stm32l476rg", "--budget-ms", "50", "--seed", "2", "--json"]);
    expect(p).toEqual({ pipeline: { dataset: "keywords", board: "stm32l476rg", budgetMs: 50, seed: 2 }, json: true });
    expect(parseArgs(["--dataset", "keywords", "--board", "x", "--no-prune", "--no-distill", "--no-stream"])).toEqual({
      pipeline: { dataset: "keywords", board: "x", prune: false, distill: false, stream: false }, json: false,
    });
    expect(parseArgs(["--help"])).toBe("help");
  });

  it("refuses missing, repeated, contradictory and malformed flags", () => {
    expect(() => parseArgs(["--board", "stm32l476rg"])).toThrow(/--dataset is required/);
    expect(() => parseArgs(["--dataset", "keywords"])).toThrow(/--board is required/);
    expect(() => parseArgs(["--dataset", "keywords", "--board", "a", "--seed", "1.5"])).toThrow(/--seed expects a whole number, got "1.5"/);
    expect(() => parseArgs(["--dataset", "keywords", "--dataset", "keywords"])).toThrow(/--dataset given twice/);
    expect(() => parseArgs(["--dataset", "keywords", "--board", "a", "--no-prune", "--prune-ratio", "0.5"])).toThrow(/contradict/);
    expect(() => parseArgs(["--dataset", "keywords", "--board", "a", "--colour"])).toThrow(UsageError);
  });
});
