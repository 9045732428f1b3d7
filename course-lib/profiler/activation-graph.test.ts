// Tests for the node-list peak-memory walk (activation-graph.ts), the reference of exercise 02.8: hand-
// checked graphs, malformed graphs, and agreement with profileModel(..., { inPlace: false }) on real models.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { activationGraph, peakLiveBytes, type ActivationNode } from "./activation-graph";
import { builtinNames, getBuiltin } from "./builtins";
import { profileModel } from "./profile";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

const node = (name: string, bytes: number, ...consumers: string[]): ActivationNode => ({ name, bytes, consumers });

describe("peakLiveBytes", () => {
  it("walks a chain and a residual block", () => {
    expect(peakLiveBytes([node("input", 100, "a"), node("a", 200, "b"), node("b", 50, "out"), node("out", 10)])).toEqual({ peakBytes: 300, peakAt: "a", liveBytes: [100, 300, 250, 60] });
    expect(peakLiveBytes([node("input", 100, "a", "add"), node("a", 100, "b"), node("b", 100, "add"), node("add", 100)]).liveBytes).toEqual([100, 200, 300, 300]);
  });
  it("keeps outputs live to the end", () => {
    expect(peakLiveBytes([node("input", 10, "a"), node("a", 20, "aux", "b"), node("aux", 5), node("b", 20, "c"), node("c", 1)]).liveBytes).toEqual([10, 30, 25, 45, 26]);
  });
  it("rejects malformed graphs with the node's name", () => {
    expect(() => peakLiveBytes([])).toThrow(/empty/);
    expect(() => peakLiveBytes([node("input", 1, "ghost")])).toThrow(/ghost/);
    expect(() => peakLiveBytes([node("input", 1, "a"), node("a", 1, "input")])).toThrow(/topological/);
    expect(() => peakLiveBytes([node("x", 1), node("x", 1)])).toThrow(/duplicate/);
    expect(() => peakLiveBytes([node("x", -1)])).toThrow(/-1/);
  });
});

describe("activationGraph", () => {
  it("matches the profiler's peak (inPlace: false) on every builtin model", () => {
    for (const name of builtinNames()) {
      const model = getBuiltin(name).build();
      const graph = activationGraph(model, 4);
      expect(graph[0].consumers.length, name).toBeGreaterThan(0);
      expect(peakLiveBytes(graph).peakBytes, name).toBe(profileModel(model, { inPlace: false }).totals.peakRam.float32);
      expect(peakLiveBytes(activationGraph(model, 1)).peakBytes, name).toBe(profileModel(model, { inPlace: false }).totals.peakRam.int8);
      model.dispose();
    }
  });
  it("records a skip connection as a second consumer of the input", () => {
    const input = tf.input({ shape: [4, 4, 2] });
    const y = tf.layers.conv2d({ filters: 2, kernelSize: 1, name: "c" }).apply(input) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: tf.layers.add({ name: "add" }).apply([y, input]) as tf.SymbolicTensor });
    const graph = activationGraph(model);
    expect(graph.map((n) => n.name)).toEqual([model.layers[0].name, "c", "add"]);
    expect(graph[0].consumers.sort()).toEqual(["add", "c"]);
    expect(graph[0].bytes).toBe(4 * 4 * 2 * 4);
    model.dispose();
  });
});
