// Lesson 08's inspection helpers (show.ts). The requantization walk-through and the rounding comparison run
// on TFLM's own hello_world model (a converter-made .tflite): the hand-recomputed step must equal what the
// interpreter stored, and single vs double rounding must differ in the 23 of 256 outputs the notes measured
// with XNNPACK and Arm NN against TFLM.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { runQuantizedTrace } from "./interpreter";
import { readTflite } from "./tflite/reader";
import {
  channelMaxAbs, compareRoundings, logBarFigure, lowBitFigure, operatorRows, quantizeBatch, readTfliteFixture,
  requantizationStep, tensorRows, weightErrorByGranularity,
} from "./show";
import type { AccuracyRow } from "./bit-width-study";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

const helloWorld = () => readTflite(readTfliteFixture("hello_world_int8.tflite"));
const helloInputs = () => new Int8Array(readTfliteFixture("golden/hello_world_int8.input.bin").buffer);

describe("per-channel weight statistics", () => {
  it("takes max |w| per channel with the channel on the last axis", () => {
    expect(Array.from(channelMaxAbs([1, -4, -3, 2, 0.5, 1], 2))).toEqual([3, 4]);
    expect(() => channelMaxAbs([1, 2, 3], 2)).toThrow(/3 weights do not split into 2 channels/);
  });

  it("gives a small channel a larger relative error with one scale per tensor", () => {
    // Channel 0 spans ±1, channel 1 only ±0.01: with one scale (1/127) channel 1 has ±1 level.
    const kernel = Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? 1 : 0.01) * Math.sin(i + 1));
    const e = weightErrorByGranularity(kernel, 2);
    expect(e.perChannel[1]).toBeLessThan(0.01);
    expect(e.perTensor[1]).toBeGreaterThan(10 * e.perChannel[1]);
    expect(e.perTensor[0]).toBeCloseTo(e.perChannel[0], 10); // the largest channel sets both scales
    expect(e.levelsPerTensor[1]).toBeLessThanOrEqual(3);
  });
});

describe("on TFLM's hello_world model", () => {
  it("recomputes every dense layer's output by hand as the interpreter stored it", () => {
    const graph = helloWorld();
    const inputs = helloInputs();
    for (const k of [0, 37, 128, 255]) {
      const trace = runQuantizedTrace(graph, inputs.slice(k, k + 1));
      graph.operators.forEach((op, i) => {
        const width = graph.tensors[op.outputs[0]].shape[1];
        for (let c = 0; c < width; c++) {
          const s = requantizationStep(graph, trace, i, c);
          expect({ input: k, op: i, c, out: s.output }).toEqual({ input: k, op: i, c, out: s.interpreterOutput });
          expect(Math.abs(s.withZeroPoint - s.exact)).toBeLessThanOrEqual(1);
        }
      });
    }
    expect(() => requantizationStep(graph, runQuantizedTrace(graph, inputs.slice(0, 1)), 0, 99)).toThrow(/channel must be 0\.\.15, got 99/);
  });

  it("finds the 23 of 256 outputs where single rounding differs from TFLM's double rounding", () => {
    const r = compareRoundings(helloWorld(), helloInputs());
    expect(r).toMatchObject({ outputs: 256, inputs: 256, differ: 23, byLsb: { 1: 19, 2: 1, 3: 3 }, maxDiff: 3, argmaxDiffer: 0 });
  });

  it("lists tensors and operators", () => {
    const graph = helloWorld();
    const rows = tensorRows(graph);
    expect(rows.length).toBe(graph.tensors.length);
    expect(rows.every((r) => r.length === 7)).toBe(true);
    expect(operatorRows(graph).map((r) => r[1])).toEqual(["fullyConnected + relu", "fullyConnected + relu", "fullyConnected"]);
  });

  it("quantizes a batch with the graph's input parameters", () => {
    const graph = helloWorld();
    const { scale: [s], zeroPoint: [zp] } = graph.tensors[graph.inputs[0]].quant!;
    const q = quantizeBatch(graph, tf.tensor2d([[0], [s * 10], [1e6]]));
    expect(Array.from(q)).toEqual([zp, zp + 10, 127]);
  });
});

describe("figures", () => {
  it("logBarFigure sets a logarithmic value axis", () => {
    const fig = logBarFigure({ labels: ["a", "b"], values: [1, 100] });
    expect((fig.layout as { yaxis: { type: string } }).yaxis.type).toBe("log");
  });

  it("lowBitFigure draws one line per scheme, QAT markers and the float level", () => {
    const row = (label: string, scheme: AccuracyRow["scheme"], bits: number | null, method: AccuracyRow["method"], mean: number): AccuracyRow =>
      ({ label, scheme, bits, method, accuracies: [mean], summary: { mean, sd: 0.01, n: 3 } });
    const sweep = [row("float", "float", null, "float", 0.9), row("8u", "uniform", 8, "PTQ", 0.9), row("2u", "uniform", 2, "PTQ", 0.5),
      row("8p", "power-of-two", 8, "PTQ", 0.9), row("2p", "power-of-two", 2, "PTQ", 0.5)];
    const qat = [{ rows: [row("f", "float", null, "float", 0.9), row("2u", "uniform", 2, "PTQ", 0.5), row("2q", "uniform", 2, "QAT", 0.85)], verdict: "helps" as const }];
    const names = (lowBitFigure({ sweep, qat }).data as { name: string; y: number[] }[]).map((d) => [d.name, d.y]);
    expect(names).toEqual([["uniform PTQ", [90, 50]], ["power-of-two PTQ", [90, 50]], ["uniform QAT", [85]], ["float", [90, 90]]]);
  });
});
