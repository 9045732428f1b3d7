// The generated C, built for the host with gcc -std=c99 -O2 -Wall -Wextra -Werror and run, against oracles we
// did not write in C: the integer interpreter runQuantized (lesson 08) byte for byte, its trace layer by layer
// (the NN_DEBUG_DUMP build), and TensorFlow Lite Micro's own golden outputs for the converter-made fixtures.
// Covers the MAC-heavy reference kernels (conv2d, depthwise, fully connected) with pooling and pad as random
// chains and single ops, the lesson models end to end with the course's memory plan, and a tampered build
// (the comparison must be able to fail).
import * as tf from "@tensorflow/tfjs";
import { tmpdir } from "os";
import { join } from "path";
import { beforeAll, describe, expect, it } from "vitest";
import type { GraphOpKind, QuantizedGraph } from "../quantize/graph";
import { runQuantizedTrace } from "../quantize/interpreter";
import { lessonModel, liveBatchNorms } from "../quantize/lesson-models";
import { quantizeInput, quantizeModel } from "../quantize/quantize-model";
import { readTfliteFixture } from "../quantize/tflite/fixtures";
import { readTflite } from "../quantize/tflite/reader";
import { generateModelSources } from "./codegen";
import type { KernelSet } from "./c/sources";
import { buildAndRunHost } from "./host";
import { planCourse, planTflmGreedy } from "./planner";
import { checkOnHost, randomInputs, randomOpChain, randomSingleOpGraph } from "./test-helpers";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

/** Runs `jobs` with at most `limit` at a time (builds are processes; the machine has few cores). */
async function inParallel<T>(jobs: (() => Promise<T>)[], limit = 3): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]();
    }
  }));
  return results;
}

async function expectBitExact(graph: QuantizedGraph, inputs: Int8Array[], debug: boolean, plan = planCourse(graph), kernels: KernelSet = "reference"): Promise<void> {
  const c = await checkOnHost(graph, inputs, { kernels, debug, plan });
  expect(c.run.outputs.length, graph.name).toBe(inputs.length);
  expect(c.firstDifferingOp, `${graph.name}: first operator whose output differs`).toBeNull();
  expect(c.mismatch, `${graph.name}: first differing output byte`).toBeNull();
  if (debug) expect(c.run.dumps.size, graph.name).toBe(inputs.length * graph.operators.length);
}

const MAC_AND_WINDOW_KINDS: GraphOpKind[] = ["conv2d", "depthwiseConv2d", "fullyConnected", "averagePool2d", "maxPool2d", "pad"];

describe("reference kernels on the host: conv2d, depthwise, fully connected, pooling, pad", () => {
  it("random single-op graphs (shapes, strides, dilations, groups, paddings, per-channel scales, ties) match runQuantized", async () => {
    const jobs = MAC_AND_WINDOW_KINDS.flatMap((kind) => [1, 2].map((seed) => () => {
      const graph = randomSingleOpGraph(kind, 100 * seed + MAC_AND_WINDOW_KINDS.indexOf(kind));
      return expectBitExact(graph, randomInputs(graph, 12, seed), false);
    }));
    await inParallel(jobs);
  }, 120_000);

  it("random chains of them match runQuantized on 20 inputs, and layer by layer in the debug build", async () => {
    const chains: GraphOpKind[][] = [
      ["conv2d", "depthwiseConv2d", "maxPool2d", "pad", "conv2d", "averagePool2d", "depthwiseConv2d", "conv2d", "fullyConnected"],
      ["pad", "depthwiseConv2d", "conv2d", "maxPool2d", "conv2d", "depthwiseConv2d", "pad", "averagePool2d", "fullyConnected", "fullyConnected"],
    ];
    const jobs = chains.flatMap((kinds, c) => [1, 2].map((seed) => () => {
      const graph = randomOpChain(kinds, 1000 * c + seed);
      return expectBitExact(graph, randomInputs(graph, 20, seed), true);
    }));
    await inParallel(jobs);
  }, 120_000);

  it("a tampered build is caught, at the tampered operator", async () => {
    const graph = randomOpChain(["conv2d", "depthwiseConv2d", "fullyConnected"], 7);
    const inputs = randomInputs(graph, 8, 7);
    const generated = generateModelSources(graph, planCourse(graph), { inputs, kernels: "reference" });
    const model = generated.files["model.c"];
    const tampered = model.replace(/(static const nn_depthwise_conv2d_params op1_params = \{[^}]*\.output_offset = )(-?\d+)/, (_, head, v) => `${head}${Number(v) + 1}`);
    expect(tampered).not.toBe(model);
    const run = await buildAndRunHost(join(tmpdir(), "tinyml-course-host-tests", "tampered"), { ...generated.files, "model.c": tampered }, { kernels: "reference", debug: true });
    const differs = (k: number, op: number) => {
      const want = runQuantizedTrace(graph, inputs[k]).steps[op].values;
      const got = run.dumps.get(`${k}:${op}`)!;
      return want.some((v, i) => v !== got[i]);
    };
    expect(inputs.some((_, k) => differs(k, 0))).toBe(false);
    expect(inputs.some((_, k) => differs(k, 1))).toBe(true);
  }, 60_000);
});

/** A lesson model quantized on 8 calibration inputs, and test inputs: those 8 quantized, then seeded random ones. */
async function quantizedLessonModel(name: string, count: number): Promise<{ graph: QuantizedGraph; inputs: Int8Array[] }> {
  const entry = lessonModel(name);
  const x = await entry.calibration(8);
  const model = liveBatchNorms(entry.build(), x, 11);
  const graph = quantizeModel(model, { calibration: x, progress: false, name });
  const floats = x.dataSync();
  const per = floats.length / 8;
  const real = Array.from({ length: 8 }, (_, k) => quantizeInput(graph, floats.subarray(k * per, (k + 1) * per)));
  model.dispose();
  x.dispose();
  return { graph, inputs: [...real, ...randomInputs(graph, count - real.length, 5)] };
}

describe("lesson models on the host, with the course's memory plan", () => {
  const models = [
    "lesson00 tiny CNN (MNIST)",
    "lesson02 three convs + skip",
    "lesson02 inverted residual 16-64-64-16",
    "lesson03 PhiNet α 0.25 (MNIST)",
    "lesson03 XiNet α 0.5 (MNIST)",
    "lesson05 keyword tiny CNN (log-mel)",
  ];

  it("every output byte of 20 inputs equals runQuantized's (PhiNet and the tiny CNN also layer by layer, and optimized)", async () => {
    const quantized: { graph: QuantizedGraph; inputs: Int8Array[] }[] = [];
    for (const name of models) quantized.push(await quantizedLessonModel(name, 20));
    const jobs = quantized.flatMap(({ graph, inputs }) => {
      const debug = /PhiNet|tiny CNN \(MNIST\)/.test(graph.name);
      return [() => expectBitExact(graph, inputs, false), ...(debug ? [() => expectBitExact(graph, inputs.slice(0, 4), true)] : [])];
    });
    // TFLM's greedy layout too (no aliasing), on one model; and the optimized kernel set built for the host
    // (nn_simd.h's portable DSP instructions, -DNN_KERNELS_OPTIMIZED=1) on two.
    jobs.push(() => expectBitExact(quantized[3].graph, quantized[3].inputs, false, planTflmGreedy(quantized[3].graph)));
    for (const q of [quantized[0], quantized[3]]) jobs.push(() => expectBitExact(q.graph, q.inputs, false, planCourse(q.graph), "optimized"));
    await inParallel(jobs);
  }, 180_000);
});

describe("TFLM's fixtures (converter-made .tflite) on the host", () => {
  const fixtures = [
    { model: "hello_world_int8", inferences: 256 },
    { model: "micro_speech_quantized", inferences: 32 },
  ];
  it("reproduce TFLM's golden output bytes", async () => {
    await inParallel(fixtures.map(({ model, inferences }) => async () => {
      const graph = readTflite(readTfliteFixture(`${model}.tflite`), { name: model });
      const bytes = readTfliteFixture(`golden/${model}.input.bin`);
      const all = new Int8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const size = all.length / inferences;
      const inputs = Array.from({ length: inferences }, (_, k) => all.slice(k * size, (k + 1) * size));
      const generated = generateModelSources(graph, planCourse(graph), { inputs, kernels: "reference" });
      const run = await buildAndRunHost(join(tmpdir(), "tinyml-course-host-tests", `tflm-${model}`), generated.files, { kernels: "reference" });
      const golden = readTfliteFixture(`golden/${model}.tflm-output.bin`);
      const got = new Int8Array(run.outputs.reduce((s, o) => s + o.length, 0));
      run.outputs.forEach((o, k) => got.set(o, k * o.length));
      expect(got.length).toBe(golden.length);
      expect(Array.from(got)).toEqual(Array.from(new Int8Array(golden.buffer, golden.byteOffset, golden.byteLength)));
    }));
  }, 60_000);
});
