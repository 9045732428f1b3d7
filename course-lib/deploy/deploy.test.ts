// The whole deploy path on real firmware: two lesson models (the keyword CNN of lesson 05, and lesson 03's
// PhiNet with hard-swish, squeeze-excite, residual adds, pads and a mean), quantized, built with
// arm-none-eabi-gcc and run on every QEMU Cortex-M machine of the course with both kernel sets. Every output
// byte must equal the TypeScript integer interpreter's (runQuantized), the reported memory must come from
// the ELF, and the instruction counts must be deterministic and cheaper with the optimized kernels.
import * as tf from "@tensorflow/tfjs";
import { existsSync, readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import type { QuantizedGraph } from "../quantize/graph";
import { lessonModel, liveBatchNorms } from "../quantize/lesson-models";
import { quantizeModel } from "../quantize/quantize-model";
import { outputLine, parseAppOutput } from "./protocol";
import { runQuantized, runQuantizedTrace } from "../quantize/interpreter";
import { compareWithInterpreter, deployGraph, operatorInstructions, seededInputs, slug, type DeployReport, type KernelSet } from "./deploy";

const MODELS = ["lesson05 keyword tiny CNN (log-mel)", "lesson03 PhiNet α 0.25 (MNIST)"];
const MACHINES: [string, KernelSet[]][] = [
  ["mps2-an386", ["reference", "optimized"]],
  ["mps2-an500", ["reference", "optimized"]],
  ["netduinoplus2", ["reference", "optimized"]],
  ["mps3-an547", ["reference", "optimized"]],
  ["mps2-an385", ["reference"]],
];
const INPUTS = 12;

const graphs = new Map<string, QuantizedGraph>();
const reports = new Map<string, DeployReport>();

beforeAll(async () => {
  await tf.setBackend("cpu");
  for (const name of MODELS) {
    const m = lessonModel(name);
    const x = await m.calibration(32);
    const model = liveBatchNorms(m.build(), x, 7);
    graphs.set(name, quantizeModel(model, { calibration: x, progress: false, name }));
    model.dispose();
    x.dispose();
  }
}, 60_000);

describe("deployGraph on QEMU", () => {
  for (const name of MODELS) {
    for (const [machine, sets] of MACHINES) {
      for (const kernels of sets) {
        it(`${name} on ${machine} with ${kernels} kernels is bit-exact on every input`, async () => {
          const graph = graphs.get(name)!;
          const inputs = seededInputs(graph, INPUTS, 5);
          const report = await deployGraph(graph, { board: machine, kernels, inputs });
          reports.set(`${name}|${machine}|${kernels}`, report);
          expect(report.firstMismatch).toBeNull();
          expect(report.bitExact).toBe(true);
          expect(report.outputs.length).toBe(INPUTS);
          expect(report.memory.flash).toBe(report.memory.sections.text + report.memory.sections.data);
          expect(report.memory.ram).toBe(report.memory.sections.data + report.memory.sections.bss);
          // The arena is the course plan's and lives in RAM; the weights live in flash.
          expect(report.memory.arena).toBe(report.memory.plan.course);
          expect(report.memory.ram).toBeGreaterThanOrEqual(report.memory.arena + report.memory.scratch);
          expect(report.memory.stackPeak).toBeGreaterThan(0);
          expect(report.instructions.perInference).toBeGreaterThan(report.instructions.macs * 0.5);
          expect(report.instructions.perOp.reduce((s, o) => s + o.instructions, 0)).toBeLessThanOrEqual(report.instructions.perInference);
          expect(existsSync(report.files.elf)).toBe(true);
          const saved = JSON.parse(readFileSync(report.files.report, "utf8"));
          expect(saved.bitExact).toBe(true);
        }, 60_000);
      }
    }
  }

  it("the optimized kernels take fewer instructions per MAC than the reference ones on the DSP cores", () => {
    for (const name of MODELS) {
      for (const machine of ["mps2-an386", "mps2-an500", "netduinoplus2", "mps3-an547"]) {
        const ref = reports.get(`${name}|${machine}|reference`);
        const opt = reports.get(`${name}|${machine}|optimized`);
        if (!ref || !opt) throw new Error(`missing reports for ${name} on ${machine}`);
        expect(opt.instructions.perMac, `${name} on ${machine}`).toBeLessThan(ref.instructions.perMac);
        expect(opt.outputs).toEqual(ref.outputs);
      }
      // Every board, both kernel sets: the same bytes.
      const all = [...reports.entries()].filter(([k]) => k.startsWith(name + "|")).map(([, r]) => r.outputs);
      for (const o of all) expect(o).toEqual(all[0]);
    }
  });

  it("refuses the optimized kernels on a core without the DSP extension, and unknown boards", async () => {
    const graph = graphs.get(MODELS[0])!;
    await expect(deployGraph(graph, { board: "mps2-an385", kernels: "optimized" })).rejects.toThrow(/no DSP extension/);
    await expect(deployGraph(graph, { board: "arduino-uno" })).rejects.toThrow(/arduino-uno/);
  });
});

describe("deploy helpers", () => {
  it("operatorInstructions averages OPS+1 marks per input and rejects a wrong count", () => {
    expect(operatorInstructions([0, 10, 30, 100, 110, 130], 2, 2)).toEqual({ perOp: [10, 20], perInference: 30 });
    expect(() => operatorInstructions([0, 10, 30, 100], 2, 2)).toThrow(/recorded 4 marks, expected 3 per input × 2 inputs/);
  });

  it("outputLine prints what parseAppOutput reads back", () => {
    const values = Int8Array.from([-128, -1, 0, 1, 127]);
    const app = parseAppOutput(`begin inputs=1 input_size=3 output_size=5 ops=2\n${outputLine(0, values)}\nend\n`);
    expect(outputLine(0, values)).toBe("out 0 80ff00017f");
    expect(app.outputs[0]).toEqual(values);
  });

  it("compareWithInterpreter finds the first differing output byte and, from dumps, the first differing op", () => {
    const graph = graphs.get(MODELS[0])!;
    const inputs = seededInputs(graph, 2, 9);
    const exact = compareWithInterpreter(graph, inputs, inputs.map((x) => runQuantized(graph, x)));
    expect(exact.mismatch).toBeNull();
    const bad = exact.expected.map((o) => o.slice());
    bad[1][3] = bad[1][3] === 0 ? 1 : 0;
    const trace = runQuantizedTrace(graph, inputs[0]);
    const dumps = new Map(trace.steps.map((s) => [`0:${s.index}`, s.values.slice()]));
    dumps.get("0:2")![0] ^= 1;
    const found = compareWithInterpreter(graph, inputs, bad, dumps);
    expect(found.mismatch).toMatchObject({ input: 1, index: 3, expected: exact.expected[1][3] });
    expect(found.firstDifferingOp).toMatchObject({ input: 0, op: 2, kind: trace.steps[2].kind, index: 0 });
    expect(compareWithInterpreter(graph, inputs, [exact.expected[0]]).mismatch).toMatchObject({ input: 1, index: 0 });
  });

  it("slug makes a file name of a model name", () => {
    expect(slug("lesson03 PhiNet α 0.25 (MNIST)")).toBe("lesson03-phinet-a-0.25-mnist");
  });
});
