// quantizedFootprint on a hand-counted graph with a skip connection and on the two converter-made fixture
// models (../shared/fixtures/tflite), whose constants are counted here from their documented shapes.
import { readTfliteFixture } from "../quantize/tflite/fixtures";
import { describe, expect, it } from "vitest";
import type { GraphTensor, QuantizedGraph } from "../quantize/graph";
import { readTflite } from "../quantize/tflite/reader";
import { syntheticCnn } from "../quantize/tflite/synthetic-graphs";
import { quantizedFootprint } from "./quantized";

const readFixture = (name: string): QuantizedGraph => readTflite(readTfliteFixture(name));

const q = (channels: number, axis = 0) => ({ scale: Array(channels).fill(0.5), zeroPoint: Array(channels).fill(0), axis });
const act = (id: number, name: string, shape: number[]): GraphTensor => ({ id, name, shape, dtype: "int8", quant: q(1) });
const constant = (id: number, name: string, shape: number[], dtype: "int8" | "int32", channels: number, axis = 0): GraphTensor => ({
  id, name, shape, dtype, quant: q(channels, axis), data: Array(shape.reduce((a, b) => a * b, 1)).fill(1),
});

/**
 * A [1,5,5,1] → conv → B → depthwise → C → add(C, B) → D → dense → E [1,3]; B skips over the depthwise.
 * Sizes (bytes → 16-aligned): A 25 → 32, B/C/D 50 → 64, E 3 → 16.
 */
function skipGraph(): QuantizedGraph {
  const tensors: GraphTensor[] = [
    act(0, "A", [1, 5, 5, 1]),
    constant(1, "conv/w", [2, 3, 3, 1], "int8", 2, 0),
    constant(2, "conv/b", [2], "int32", 2),
    act(3, "B", [1, 5, 5, 2]),
    constant(4, "dw/w", [1, 3, 3, 2], "int8", 2, 3),
    constant(5, "dw/b", [2], "int32", 2),
    act(6, "C", [1, 5, 5, 2]),
    act(7, "D", [1, 5, 5, 2]),
    constant(8, "fc/w", [3, 50], "int8", 1),
    constant(9, "fc/b", [3], "int32", 1),
    act(10, "E", [1, 3]),
  ];
  return {
    format: 1, name: "skip", tensors, inputs: [0], outputs: [10],
    operators: [
      { kind: "conv2d", inputs: [0, 1, 2], outputs: [3], stride: [1, 1], padding: "same", dilation: [1, 1], activation: "relu" },
      { kind: "depthwiseConv2d", inputs: [3, 4, 5], outputs: [6], stride: [1, 1], padding: "same", dilation: [1, 1], depthMultiplier: 1, activation: "relu" },
      { kind: "add", inputs: [6, 3], outputs: [7], activation: "none" },
      { kind: "fullyConnected", inputs: [7, 8, 9], outputs: [10], activation: "none" },
    ],
  };
}

describe("quantizedFootprint", () => {
  it("counts a graph with a skip connection by hand", () => {
    const { flash, activations } = quantizedFootprint(skipGraph());
    // weights 18 + 18 + 150; biases (2 + 2 + 3) × 4; channels: 5 activations + conv 2+2 + dw 2+2 + fc 1+1 = 15.
    expect(flash).toEqual({ weights: 186, biases: 28, otherConstants: 0, quantParams: 120, quantChannels: 15, total: 334 });
    // Scopes: A [0,1], B [1,3] (read by the add), C [2,3], D [3,4], E [4,4] (graph output, to the end).
    expect(activations.buffers.map((b) => [b.name, b.alignedBytes, b.first, b.last])).toEqual([
      ["A", 32, 0, 1], ["B", 64, 1, 3], ["C", 64, 2, 3], ["D", 64, 3, 4], ["E", 16, 4, 4],
    ]);
    // Live: conv A+B = 96; depthwise B+C = 128; add B+C+D = 192 (the skip keeps B); dense D+E = 80.
    expect(activations.perOp.map((p) => p.liveBytes)).toEqual([96, 128, 192, 80]);
    expect(activations.perOp[2].live).toEqual([3, 6, 7]);
    expect(activations).toMatchObject({ peak: 192, peakOp: 2, peakUnaligned: 150, sum: 240 });
  });

  it("counts MEAN's int32 axes apart from the biases", () => {
    const { flash } = quantizedFootprint(syntheticCnn());
    // Weights [4,3,3,2] + [1,3,3,8] + [8,2,2,8] + [3,8]; biases 4 + 8 + 3 (the dilated conv has none); axes [1, 2].
    expect(flash).toMatchObject({ weights: 72 + 72 + 256 + 24, biases: 15 * 4, otherConstants: 8 });
  });

  it("hello_world_int8: 288 B of weights, 132 B of biases, 32 B of activations", () => {
    const { flash, activations } = quantizedFootprint(readFixture("hello_world_int8.tflite"));
    // Weights [16,1], [16,16], [1,16]; biases [16], [16], [1]; all 10 tensors per-tensor.
    expect(flash).toEqual({ weights: 16 + 256 + 16, biases: 33 * 4, otherConstants: 0, quantParams: 80, quantChannels: 10, total: 500 });
    // Four activations of 1, 16, 16, 1 bytes, 16 B each aligned; two live at every op (16 + 16 unaligned at
    // the middle layer). TFLM reports
    // arena_used_bytes 1,184 for this model: the other 1,152 B are its persistent allocations.
    expect(activations).toMatchObject({ peak: 32, sum: 64, peakUnaligned: 32 });
    expect(activations.perOp.map((p) => p.liveBytes)).toEqual([32, 32, 32]);
  });

  it("micro_speech: per-channel depthwise parameters and a 5,968-byte peak at the depthwise conv", () => {
    const { flash, activations } = quantizedFootprint(readFixture("micro_speech_quantized.tflite"));
    // Weights [1,10,8,8] + [4,4000]; biases [8] + [4]; channels 8 + 8 (depthwise weights and bias) + 7 × 1.
    expect(flash).toEqual({ weights: 640 + 16000, biases: 48, otherConstants: 0, quantParams: 8 * 23, quantChannels: 23, total: 16872 });
    // Input 1,960 → 1,968; reshaped 1,968; depthwise output 4,000; FC 4 → 16; softmax 16.
    expect(activations.buffers.map((b) => b.alignedBytes).sort((a, b) => a - b)).toEqual([16, 16, 1968, 1968, 4000]);
    expect(activations.perOp.map((p) => p.liveBytes)).toEqual([3936, 5968, 4016, 32]);
    expect(activations).toMatchObject({ peak: 5968, peakOp: 1, sum: 7968 });
    // TFLM's arena_used_bytes for this model is 7,312 B: head plus persistent tail, above this head.
    expect(activations.peak).toBeLessThan(7312);
  });

  it("names the bad tensor of a broken graph", () => {
    const g = skipGraph();
    (g.operators[3].inputs as number[])[0] = 42;
    expect(() => quantizedFootprint(g)).toThrow(/operator 3 \(fullyConnected\) refers to tensor 42; the graph has 11/);
  });
});
