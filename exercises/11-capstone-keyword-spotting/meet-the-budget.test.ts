// Graded tests for lesson 11's latency retargeting (exercises/11-capstone-keyword-spotting/meet-the-budget.ts).
// Run them with `npm run grade -- --only 11.2`; each failing test prints its feedback as a hint.
// The hand case is worked out in the exercise's comment; the last two tests run the real pipeline (its
// smallest preset, no teacher, firmware on QEMU): a first run at 30 ms, then a run with your budgetMs for a
// target of half the first firmware's latency, graded on that second report's measured numbers.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { errorFrom, graded, validCall } from "../../course-lib/grader/graded";
import type { PipelineOptions } from "../../course-lib/pipeline/options";
import type { PipelineReport, StageRow } from "../../course-lib/pipeline/report";
import { runPipeline } from "../../course-lib/pipeline/run";
import { initBackend } from "../../course-lib/runtime/backend";
import { nextBudgetMs } from "@exercise/11-capstone-keyword-spotting/meet-the-budget";

function row(stage: StageRow["stage"], fields: Partial<StageRow>): StageRow {
  return {
    stage, title: stage, params: null, macs: null, flashBytes: null, ramBytes: null, footprintSource: "", accuracy: { float: null, int8: null, firmware: null },
    validation: null, instructions: null, latencyMs: null, seconds: 0, cached: false, withinBudget: null, key: "", note: "", ...fields,
  };
}

/** A report with only what the exercise reads: the probe's and the firmware's measurements, the scaled MACs, the clock. */
function synthetic(
  probePerMac: number | null, probe: { instructions: number; macs: number } | null, firmware: { instructions: number; macs: number } | null, scaleMacs: number, clockMHz: number,
): PipelineReport {
  const stages = [...(probe ? [row("calibrate", probe)] : []), row("scale", { macs: scaleMacs }), ...(firmware ? [row("firmware", firmware)] : [])];
  return { board: { id: "b", name: "b", flashBytes: 65536, ramBytes: 16384, clockMHz }, budget: { flashBytes: 1, ramBytes: 1, macs: null, budgetMs: null, perMac: probePerMac }, stages } as unknown as PipelineReport;
}

const close = (call: string, got: unknown, expected: number) => {
  const ok = typeof got === "number" && Math.abs(got - expected) <= 1e-9 * Math.max(1, Math.abs(expected));
  expect({ call, value: ok ? expected : got }).toEqual({ call, value: expected });
};

const PROBE = { instructions: 1_200_000, macs: 200_000 };
const FIRMWARE = { instructions: 800_000, macs: 100_000 };

graded(
  { id: "11.2", points: 2, feedback: "marginal = (probe instructions − firmware instructions) / (probe MACs − firmware MACs); overhead = firmware instructions − marginal · firmware MACs; finalMacs = (0.9·(targetMs/1000)·clock − overhead)/marginal; kept = firmware MACs / scale MACs; budgetMs = (finalMacs/kept)·perMac/clock·1000 with clock = clockMHz·1e6. The comment's case gives 6.458333… ms." },
  "budgetMs from hand-worked reports",
  () => {
    close("the comment's case: 72 MHz, 10 ms", nextBudgetMs(synthetic(6, PROBE, FIRMWARE, 125_000, 72), 10), 77_500 * 6 / 72e6 * 1000);
    // marginal 2, overhead 300,000; 0.9·0.02·80e6 = 1,440,000 → finalMacs 570,000; kept 1; budget = 570,000·3/80e6·1000 = 21.375 ms
    close("probe 1.5e6/6e5, perMac 3, firmware 5e5/1e5, scale 1e5, 80 MHz, 20 ms",
      nextBudgetMs(synthetic(3, { instructions: 1_500_000, macs: 600_000 }, { instructions: 500_000, macs: 100_000 }, 100_000, 80), 20), 21.375);
    // the same MACs twice: the rate through the origin, 10/MAC; finalMacs = 0.9·0.005·72e6/10 = 32,400; kept 0.5 → 64,800; budget = 64,800·10/72e6·1000 = 9 ms
    close("probe = firmware, 10 instructions/MAC, kept 0.5, 72 MHz, 5 ms",
      nextBudgetMs(synthetic(10, { instructions: 2e6, macs: 2e5 }, { instructions: 2e6, macs: 2e5 }, 4e5, 72), 5), 9);
  },
);

graded(
  { id: "11.2", points: 1, feedback: "Throw a RangeError for a targetMs that is not a finite number > 0, for a report whose budget.perMac is not a number > 0, for a report without a firmware (or calibrate) row, and for a target whose 0.9·targetMs of instructions does not exceed the overhead (here 5 ms at 72 MHz is 324,000 < 400,000)." },
  "rejects a bad target, a target below the overhead, and reports it cannot use",
  () => {
    const good = synthetic(6, PROBE, FIRMWARE, 125_000, 72);
    validCall("nextBudgetMs(good report, 10)", () => nextBudgetMs(good, 10));
    for (const bad of [0, -1, NaN, Infinity]) expect(errorFrom(() => nextBudgetMs(good, bad)).name, `targetMs ${bad}`).toBe("RangeError");
    expect(errorFrom(() => nextBudgetMs(good, 5)).name, "5 ms: below the 400,000-instruction overhead").toBe("RangeError");
    for (const perMac of [0, -2, null]) expect(errorFrom(() => nextBudgetMs(synthetic(perMac, PROBE, FIRMWARE, 125_000, 72), 10)).name, `perMac ${perMac}`).toBe("RangeError");
    expect(errorFrom(() => nextBudgetMs(synthetic(6, PROBE, null, 125_000, 72), 10)).name, "no firmware row").toBe("RangeError");
    expect(errorFrom(() => nextBudgetMs(synthetic(6, null, FIRMWARE, 125_000, 72), 10)).name, "no calibrate row").toBe("RangeError");
  },
);

const BASE: PipelineOptions = {
  dataset: "keywords", board: "stm32f303k8", preset: "test", seed: 5, distill: false, stream: false, firmware: { clips: 2 }, display: false,
};

let runs: Promise<{ first: PipelineReport; second: PipelineReport; target: number }> | null = null;

/** The two pipeline runs, once for both tests below (each checks one number of the second report). */
function twoRuns(): Promise<{ first: PipelineReport; second: PipelineReport; target: number }> {
  runs ??= (async () => {
    // A cheap call first: an unimplemented exercise fails here, before a minute of pipeline.
    nextBudgetMs(synthetic(6, PROBE, FIRMWARE, 125_000, 72), 10);
    await initBackend();
    const outDir = mkdtempSync(join(tmpdir(), "grade-11.2-"));
    try {
      const first = await runPipeline({ ...BASE, budgetMs: 30, outDir });
      const target = rowLatency(first) / 2;
      const budgetMs = nextBudgetMs(first, target);
      const second = await runPipeline({ ...BASE, budgetMs, outDir });
      return { first, second, target };
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  })();
  return runs;
}

function rowLatency(r: PipelineReport): number {
  const f = r.stages.find((s) => s.stage === "firmware");
  if (!f || f.latencyMs === null) throw new Error("the pipeline report has no firmware latency");
  return f.latencyMs;
}

graded(
  { id: "11.2", points: 2, feedback: "The second run's firmware was slower than the target: did you subtract the overhead before dividing by the marginal rate (a smaller net spends more instructions per MAC), divide by kept (pruning removes MACs after scaling), and convert back with the probe's rate (budget.perMac)?" },
  "the pipeline run with your budgetMs meets the latency target on the board",
  async () => {
    const { second, target } = await twoRuns();
    expect({ firmwareLatencyMs: rowLatency(second), withinTarget: rowLatency(second) <= target }).toMatchObject({ withinTarget: true });
  },
  { timeoutMs: 240_000 },
);

graded(
  { id: "11.2", points: 1, feedback: "The second run met the target with a much smaller model than it allows: aim at 90 % of the target, not lower, and do not divide by the probe's rate twice." },
  "the pipeline run with your budgetMs uses at least 40 % of the target (no needlessly small model)",
  async () => {
    const { second, target } = await twoRuns();
    expect({ firmwareLatencyMs: rowLatency(second), usesEnough: rowLatency(second) >= 0.4 * target }).toMatchObject({ usesEnough: true });
  },
  { timeoutMs: 240_000 },
);
