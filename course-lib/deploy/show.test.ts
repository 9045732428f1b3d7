// Lesson 10's display helpers on DeployReports made up here (small, with known figures), so every number in
// a table can be checked by hand; the memory table also reads a real profile and int8 footprint of a tiny
// tfjs model (lesson 02's and lesson 08's functions). The reports deployGraph makes are tested in deploy.test.ts.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { RUNTIME_RESERVE } from "../boards/budget";
import { profileModel } from "../profiler/profile";
import { quantizedFootprint } from "../profiler/quantized";
import { quantizeModel } from "../quantize/quantize-model";
import { createCaptureTarget } from "../viz/display";
import { tableText, type TableCell } from "../viz/html-table";
import type { DeployOptions, DeployReport, KernelSet, OperatorWork } from "./deploy";
import {
  boardsComparison, definedConstants, deployMany, deployProgress, firmwareParts, identicalInputs,
  instructionsPerLayerFigure, memoryComparison, operatorCostComparison, outputComparison, perMacComparison, planComparison, plansComparison,
  reserveComparison, sourceExcerpt,
} from "./show";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

interface FakeOptions {
  model?: string;
  kernels?: KernelSet;
  /** [kind, macs, instructions] per operator. */
  ops?: [string, number, number][];
  outputs?: number[][];
  expected?: number[][];
  board?: string;
  core?: string;
  clockMHz?: number;
}

function fakeReport(o: FakeOptions = {}): DeployReport {
  const ops = o.ops ?? [["conv2d", 1000, 14000], ["reshape", 0, 40], ["fullyConnected", 200, 3000]];
  const perOp: OperatorWork[] = ops.map(([kind, macs, instructions], index) =>
    ({ index, kind, name: `t${index}`, macs, instructions, perMac: macs > 0 ? instructions / macs : null }));
  const macs = perOp.reduce((s, op) => s + op.macs, 0);
  const perInference = perOp.reduce((s, op) => s + op.instructions, 0) + 100;
  const expected = o.expected ?? [[1, -2, 3], [-128, 127, 0]];
  const outputs = o.outputs ?? expected.map((e) => [...e]);
  const clockMHz = o.clockMHz ?? 80;
  return {
    model: o.model ?? "digits",
    target: { id: o.board ?? "stm32l476rg", name: "STM32L476RG", machine: "mps2-an386", core: o.core ?? "cortex-m4", clockMHz,
      flashBytes: 1 << 20, ramBytes: 128 << 10, fromCatalogue: true },
    kernels: o.kernels ?? "reference", dir: "/tmp/x", inputs: expected.length,
    bitExact: outputs.every((v, k) => v.every((x, i) => x === expected[k][i])), firstMismatch: null,
    memory: { flash: 20000, ram: 9000, sections: { text: 19900, data: 100, bss: 8900 }, arena: 4000, scratch: 288,
      stackPeak: 612, plan: { course: 4000, tflmGreedy: 4400, sum: 9000, liveSet: 3900, liveSetShared: 3900 } },
    instructions: { perInference, macs, perMac: perInference / macs, perOp },
    latency: { estimateMs: (perInference / (clockMHz * 1e6)) * 1e3, clockMHz, note: "estimate" },
    outputs, expected,
    files: { elf: "/tmp/x/firmware.elf", map: "/tmp/x/firmware.map", report: "/tmp/x/report.json", uart: "/tmp/x/uart.txt" },
  };
}

const textOf = (cell: TableCell) => (typeof cell === "object" ? String(cell.text) : String(cell));

describe("outputs: firmware vs interpreter", () => {
  it("marks each shown input identical or not, with the predicted class from the firmware's output", () => {
    const report = fakeReport({ expected: [[1, 5, 3], [0, 0, 9], [7, 1, 1]], outputs: [[1, 5, 3], [0, 1, 9], [7, 1, 1]] });
    expect(identicalInputs(report)).toBe(2);
    const t = outputComparison(report, 2);
    expect(t.rows.map((r) => r.map(textOf))).toEqual([
      ["0", "1 5 3", "1 5 3", "1", "identical"],
      ["1", "0 0 9", "0 1 9", "2", "differs"],
    ]);
    expect(t.caption).toBe("2 of 3 inputs identical byte for byte; the first 2 shown.");
    expect(() => tableText(t)).not.toThrow();
    expect(() => outputComparison(report, 0)).toThrow(/first must be a positive integer, got 0/);
  });

  it("counts a missing or shorter firmware output as a difference", () => {
    const report = fakeReport({ expected: [[1, 2], [3, 4]], outputs: [[1]] });
    expect(identicalInputs(report)).toBe(0);
    expect(outputComparison(report).rows[1].map(textOf)).toEqual(["1", "3 4", "(none)", "–", "differs"]);
  });

});

describe("memory: estimates, exact int8 graph, linker", () => {
  it("puts lesson 02's profile and lesson 08's footprint next to the ELF's figures", () => {
    const model = tf.sequential({ layers: [
      tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 4, kernelSize: 3, padding: "same", activation: "relu" }),
      tf.layers.flatten(), tf.layers.dense({ units: 3, activation: "softmax" })] });
    const calibration = tf.randomUniform([8, 8, 8, 1], 0, 1, "float32", 3);
    const graph = quantizeModel(model, { calibration, progress: false, name: "tiny" });
    const profile = profileModel(model), footprint = quantizedFootprint(graph);
    const t = memoryComparison(fakeReport(), profile, footprint);
    expect(t.rows[0]).toEqual(["weights, biases, quantization parameters", profile.totals.flash.int8, footprint.flash.total, "–"]);
    expect(t.rows[2].slice(1)).toEqual([profile.totals.peakRam.int8, footprint.activations.peak, 4000]);
    expect(t.rows.map((r) => r[3])).toEqual(["–", 20000, 4000, 288, 612, 9000]);
    model.dispose();
    calibration.dispose();
  });

  it("finds the constants a generated C file defines", () => {
    const source = ["const int8_t* const nn_model_output = nn_arena + 0;", "static int8_t nn_arena[64] __attribute__((aligned(16)));",
      "const int32_t op0_shifts[8] __attribute__((aligned(4))) = { -8 };", "static const nn_conv2d_params op0_params = {",
      "  const int8_t inner = 1;", "const int8_t nn_test_inputs[8][784] __attribute__((aligned(4))) = {"].join("\n");
    expect(definedConstants(source)).toEqual(["nn_model_output", "op0_shifts", "op0_params", "nn_test_inputs"]);
  });

  it("splits flash into model, test inputs and runtime, and RAM into arena, scratch, stack and the rest", () => {
    const sym = (name: string, size: number, address = 0) => [name, { name, size, address, type: "R" }] as const;
    const symbols = new Map([sym("w", 1000), sym("w_params", 84), sym("nn_test_inputs", 1568),
      sym("__stack_bottom", 0, 0x20001000), sym("__stack_top", 0, 0x20001800)]);
    const sources = { model: "const int8_t w[1000] = {\nstatic const p w_params = {", inputs: "const int8_t nn_test_inputs[2][784] = {" };
    const parts = firmwareParts(fakeReport(), symbols, sources);
    expect(parts).toEqual({
      flash: { model: 1084, testInputs: 1568, runtime: 20000 - 1084 - 1568, total: 20000 },
      ram: { arena: 4000, scratch: 288, stackRegion: 2048, other: 9000 - 4000 - 288 - 2048, total: 9000 },
      stackPeak: 612,
    });
    expect(() => firmwareParts(fakeReport(), symbols, { ...sources, model: "const int8_t gone[1] = {" }))
      .toThrow(/no symbol "gone" \(a constant of model.c\)/);
  });

  it("colours what the firmware needs besides the model by whether it fits lesson 01's reserve", () => {
    const parts = (runtime: number, other: number, stackPeak: number) => ({ stackPeak,
      flash: { model: 0, testInputs: 1568, runtime, total: 0 }, ram: { arena: 0, scratch: 288, stackRegion: 2048, other, total: 0 } });
    const t = reserveComparison([
      { label: "small", parts: parts(10_000, 4000, 600) },
      { label: "exact", parts: parts(RUNTIME_RESERVE.flashBytes, RUNTIME_RESERVE.ramBytes - 1, 1) },
    ]);
    const [small, exact, reserve] = t.rows;
    expect(small.map(textOf)).toEqual(["small", "9.77 KB", "4.49 KB", "288 B", "2 KB", "1.53 KB"]);
    expect([small[1], small[2], exact[1], exact[2]].map((c) => (c as { background: string }).background))
      .toEqual(["#e3f4e0", "#fbe0e0", "#e3f4e0", "#e3f4e0"]);
    expect(reserve.map(textOf)).toEqual(["RUNTIME_RESERVE (rule of thumb)", "32 KB", "4 KB", "–", "–", "–"]);
    expect(() => reserveComparison([])).toThrow(/at least one/);
  });

  it("lists the plans between the no-reuse and live-set bounds, as shares of no reuse", () => {
    const t = planComparison({ course: { arena: 400 }, tflmGreedy: { arena: 600 }, bounds: { sum: 1000, liveSet: 450, liveSetShared: 380 } }, "m");
    expect(t.rows.map((r) => [r[1], r[2]])).toEqual([[1000, "100%"], [600, "60%"], [400, "40%"], [450, "45%"], [380, "38%"]]);
    const many = plansComparison([{ model: "m", plans: { course: { arena: 400 }, tflmGreedy: { arena: 600 },
      bounds: { sum: 1000, liveSet: 450, liveSetShared: 380 } } }]);
    expect(many.rows).toEqual([["m", 1000, 600, 400, 450, 380, "33%"]]);
  });
});

describe("instructions: per layer and per MAC", () => {
  const reference = fakeReport();
  const optimized = fakeReport({ kernels: "optimized", ops: [["conv2d", 1000, 1500], ["reshape", 0, 40], ["fullyConnected", 200, 1000]] });

  it("draws one bar per operator and kernel set on a log axis", () => {
    const figure = instructionsPerLayerFigure(reference, optimized);
    expect(figure.data.map((d) => (d as { name: string }).name)).toEqual(["reference", "optimized"]);
    expect((figure.data[0] as { x: string[] }).x).toEqual(["0 conv2d", "1 reshape", "2 fullyConnected"]);
    expect((figure.data[1] as { y: number[] }).y).toEqual([1500, 40, 1000]);
    expect((figure.layout as { yaxis: { type: string } }).yaxis.type).toBe("log");
  });

  it("refuses two reports of different models or the wrong kernel sets", () => {
    const other = fakeReport({ kernels: "optimized", ops: [["conv2d", 1, 2]] });
    expect(() => instructionsPerLayerFigure(reference, other)).toThrow(/same model.*3 ops.*1 ops/);
    expect(() => perMacComparison(optimized, reference)).toThrow(/got optimized and reference/);
  });

  it("tabulates instructions per MAC for the operators with MACs and the whole inference", () => {
    const t = perMacComparison(reference, optimized);
    expect(t.rows.map((r) => r.map(textOf))).toEqual([
      ["0 conv2d", "1000", "14000", "14.00", "1500", "1.50", "9.3×"],
      ["2 fullyConnected", "200", "3000", "15.00", "1000", "5.00", "3.0×"],
      ["whole inference", "1200", "17140", "14.28", "2640", "2.20", "6.5×"],
    ]);
  });

  it("gives lesson 02's η with instructions per MAC relative to the first operator", () => {
    const dw = (kernels: KernelSet, instructions: number) => fakeReport({ model: "dw", kernels, ops: [["depthwiseConv2d", 500, instructions]] });
    const conv = (kernels: KernelSet, instructions: number) => fakeReport({ model: "conv", kernels, ops: [["conv2d", 1000, instructions]] });
    const t = operatorCostComparison([
      { name: "conv 3×3", reference: conv("reference", 14000), optimized: conv("optimized", 2000) },
      { name: "depthwise 3×3", reference: dw("reference", 10000), optimized: dw("optimized", 2000) },
    ]);
    expect(t.rows).toEqual([
      ["conv 3×3", 1000, "14.00", "2.00", "1.00", "1.00"],
      ["depthwise 3×3", 500, "20.00", "4.00", "0.70", "0.50"],
    ]);
    expect(() => operatorCostComparison([{ name: "reshape", reference: fakeReport({ ops: [["reshape", 0, 9]] }),
      optimized: fakeReport({ kernels: "optimized", ops: [["reshape", 0, 9]] }) }])).toThrow(/no operator with MACs/);
  });
});

describe("boards", () => {
  it("gives one row per deployment with bit-exactness, memory, work and the latency estimate", () => {
    const m7 = fakeReport({ board: "stm32h743zi", core: "cortex-m7", clockMHz: 480, kernels: "optimized" });
    const broken = fakeReport({ expected: [[1, 2]], outputs: [[1, 3]] });
    const t = boardsComparison([m7, broken]);
    const row = t.rows[0].map(textOf);
    expect(row.slice(0, 5)).toEqual(["stm32h743zi", "cortex-m7", "mps2-an386", "optimized", "2/2"]);
    expect(row.slice(8)).toEqual(["17.1 k", "14.28", "480 MHz", `${(17140 / 480e3).toFixed(2)} ms`]);
    expect((t.rows[1][4] as { text: string; background: string })).toMatchObject({ text: "0/1", background: "#fbe0e0" });
    expect(t.title).toBe("digits on every board");
    expect(boardsComparison([m7], "one board").title).toBe("one board");
    expect(() => boardsComparison([null as never])).toThrow(/non-empty array of DeployReports/);
  });
});

describe("progress and runs", () => {
  it("updates one line per deployment stage", () => {
    const target = createCaptureTarget();
    const onProgress = deployProgress("digits → stm32l476rg", target);
    onProgress("plan", "7 operators");
    onProgress("build");
    expect(() => onProgress("flash" as never)).toThrow(/unknown stage "flash"; expected one of plan, generate, build, run, compare/);
    const texts = target.messages.map((m) => String(m.bundle["text/plain"]));
    expect(texts[0]).toMatch(/^digits → stm32l476rg: 1\/5 plan: 7 operators \(\d+\.\d s\)$/);
    expect(texts[1]).toMatch(/: 3\/5 build \(/);
    expect(target.messages.map((m) => m.type)).toEqual(["display_data", "update_display_data"]);
  });

  it("deploys each run in order with one progress line, passing the options without the label", async () => {
    const target = createCaptureTarget();
    const seen: DeployOptions[] = [];
    const fakeDeploy = async (_graph: unknown, options: DeployOptions) => {
      seen.push(options);
      options.onProgress?.("build");
      return fakeReport({ board: options.board, kernels: options.kernels });
    };
    const reports = await deployMany({} as never, [{ board: "mps2-an385", kernels: "reference", label: "M3" },
      { board: "mps2-an500", count: 3 }], fakeDeploy, "boards", target);
    expect(reports.map((r) => r.target.id)).toEqual(["mps2-an385", "mps2-an500"]);
    expect(seen.map(({ onProgress, ...rest }) => rest)).toEqual([{ board: "mps2-an385", kernels: "reference" }, { board: "mps2-an500", count: 3 }]);
    const texts = target.messages.map((m) => String(m.bundle["text/plain"]));
    expect(texts.filter((t) => /bit-exact/.test(t)).map((t) => t.replace(/ \(.*$/, ""))).toEqual([
      "boards: 1/2 M3: bit-exact", "boards: 2/2 mps2-an500: bit-exact"]);
    await expect(deployMany({} as never, [], fakeDeploy, "none", target)).rejects.toThrow(/non-empty array/);
  });
});

describe("source excerpts", () => {
  it("prints lines from the first match, cutting long ones", () => {
    const text = ["#include <stdint.h>", "static const int8_t w0[3] = {1, 2, 3};", "x".repeat(20), "end"].join("\n");
    expect(sourceExcerpt(text, "int8_t w0", 2, 10)).toBe("static co…\nxxxxxxxxx…");
    expect(sourceExcerpt(text, /^end$/)).toBe("end");
    expect(() => sourceExcerpt(text, "nn_model_invoke")).toThrow(/no line matches nn_model_invoke in the 4 lines/);
  });
});
