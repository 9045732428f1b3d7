// Graded tests for lesson 10's memory planning (exercises/10-export-and-deploy/memory-plan.ts). Run them with
// `npm run grade -- --only 10.1` or `--only 10.2`; each failing test prints its feedback as a hint.
// Hand-worked graphs, TensorFlow Lite Micro's hello_world and micro_speech models (converter-made .tflite
// files), and random graphs drawn with the course's mulberry32, compared with course-lib/deploy/planner.ts
// (lifetimes from lesson 08's profiler; TFLM's GreedyMemoryPlanner as the baseline for 10.2).
import { expect } from "vitest";
import { errorFrom, graded, validCall } from "../../course-lib/grader/graded";
import { mulberry32 } from "../../course-lib/data/random";
import * as reference from "../../course-lib/deploy/planner";
import { readTfliteFixture } from "../../course-lib/quantize/tflite/fixtures";
import { readTflite } from "../../course-lib/quantize/tflite/reader";
import { greedyOffsets, tensorLifetimes, type ExecutionOrder, type TensorLifetime } from "@exercise/10-export-and-deploy/memory-plan";

const fixtureOrder = (file: string): ExecutionOrder => reference.executionOrderOf(readTflite(readTfliteFixture(file)));

/** The docstring's example: x → conv2d(x, w) → a → fullyConnected(a, w) → y. */
const example = (): ExecutionOrder => ({
  tensors: [{ name: "x", bytes: 20 }, { name: "w", bytes: 50, constant: true }, { name: "a", bytes: 100 }, { name: "y", bytes: 10 }],
  ops: [{ kind: "conv2d", inputs: [0, 1], outputs: [2] }, { kind: "fullyConnected", inputs: [2, 1], outputs: [3] }],
  inputs: [0],
  outputs: [3],
});

/**
 * x (input) → conv → a → depthwise → b → add(b, a) → c (graph output) → quantize → d → pad → e: a skips over
 * the depthwise, c is the graph output but an operator reads it before the end, e is read by nobody, and
 * the conv's bias is omitted (−1).
 */
const skip = (): ExecutionOrder => ({
  tensors: [
    { name: "x", bytes: 48 }, { name: "conv/w", bytes: 27, constant: true }, { name: "a", bytes: 130 }, { name: "dw/w", bytes: 9, constant: true },
    { name: "b", bytes: 130 }, { name: "c", bytes: 130 }, { name: "d", bytes: 130 }, { name: "e", bytes: 200 },
  ],
  ops: [
    { kind: "conv2d", inputs: [0, 1, -1], outputs: [2] },
    { kind: "depthwiseConv2d", inputs: [2, 3], outputs: [4] },
    { kind: "add", inputs: [4, 2], outputs: [5] },
    { kind: "quantize", inputs: [5], outputs: [6] },
    { kind: "pad", inputs: [6], outputs: [7] },
  ],
  inputs: [0],
  outputs: [5],
});

const randomOrders = (seed: number, count: number): ExecutionOrder[] =>
  Array.from({ length: count }, (_, i) => reference.randomExecutionOrder(mulberry32(seed + i)));

graded(
  { id: "10.1", points: 2, feedback: "Graph inputs start at step 0; operator i creates its outputs at step i + 1 and uses its inputs there too; a tensor's last step is its last use; constants are not listed; alignedBytes = ceil(bytes / 16)·16." },
  "the docstring's two-layer example and a graph with a skip connection",
  () => {
    expect(tensorLifetimes(example())).toEqual([
      { tensor: 0, name: "x", bytes: 20, alignedBytes: 32, first: 0, last: 1 },
      { tensor: 2, name: "a", bytes: 100, alignedBytes: 112, first: 1, last: 2 },
      { tensor: 3, name: "y", bytes: 10, alignedBytes: 16, first: 2, last: 2 },
    ]);
    expect(tensorLifetimes(skip())).toEqual([
      { tensor: 0, name: "x", bytes: 48, alignedBytes: 48, first: 0, last: 1 },
      { tensor: 2, name: "a", bytes: 130, alignedBytes: 144, first: 1, last: 3 },
      { tensor: 4, name: "b", bytes: 130, alignedBytes: 144, first: 2, last: 3 },
      { tensor: 5, name: "c", bytes: 130, alignedBytes: 144, first: 3, last: 5 },
      { tensor: 6, name: "d", bytes: 130, alignedBytes: 144, first: 4, last: 5 },
      { tensor: 7, name: "e", bytes: 200, alignedBytes: 208, first: 5, last: 5 },
    ]);
  },
);

graded(
  { id: "10.1", points: 3, feedback: "Compare with the rules one by one: graph outputs live to the end (last = number of operators) even when an operator reads them; an output nothing reads still lives one step; skip −1 inputs; several inputs, outputs and operators with two outputs all follow the same rules." },
  "matches the course's lifetimes on TFLM's hello_world and micro_speech models and on 60 random graphs",
  () => {
    for (const file of ["hello_world_int8.tflite", "micro_speech_quantized.tflite"]) {
      const expected = reference.tensorLifetimes(fixtureOrder(file));
      expect({ file, lifetimes: tensorLifetimes(fixtureOrder(file)) }).toEqual({ file, lifetimes: expected });
    }
    randomOrders(1000, 60).forEach((order, seed) => {
      const expected = reference.tensorLifetimes(order);
      expect({ seed, lifetimes: tensorLifetimes(order) }).toEqual({ seed, lifetimes: expected });
    });
  },
);

graded(
  { id: "10.1", points: 1, feedback: "Throw a RangeError naming the id when an operator, a graph input or a graph output refers to a tensor that does not exist (−1 is allowed among an operator's inputs), and naming the tensor when a graph input is constant." },
  "rejects unknown tensor ids and a constant graph input",
  () => {
    validCall("tensorLifetimes(example with a −1 input)", () => tensorLifetimes({ ...example(), ops: [{ inputs: [0, 1, -1], outputs: [2] }, example().ops[1]] }));
    const unknownInput = errorFrom(() => tensorLifetimes({ ...example(), ops: [{ inputs: [0, 9], outputs: [2] }, example().ops[1]] }));
    expect(unknownInput).toBeInstanceOf(RangeError);
    expect(unknownInput.message).toMatch(/\b9\b/);
    const unknownOutput = errorFrom(() => tensorLifetimes({ ...example(), outputs: [4] }));
    expect(unknownOutput).toBeInstanceOf(RangeError);
    expect(unknownOutput.message).toMatch(/\b4\b/);
    const constantInput = errorFrom(() => tensorLifetimes({ ...example(), inputs: [1] }));
    expect(constantInput).toBeInstanceOf(RangeError);
    expect(constantInput.message).toMatch(/\b1\b|"w"/);
  },
);

/**
 * Checks `offsets` for `buffers` of `order` with the course's checkPlan (no two live buffers overlap, every
 * offset 16-byte aligned) and returns the arena they need.
 */
function arenaOf(order: ExecutionOrder, buffers: TensorLifetime[], offsets: unknown, what: string): number {
  if (!Array.isArray(offsets) || offsets.length !== buffers.length) {
    throw new Error(`${what}: expected an array of ${buffers.length} offsets (one per buffer, in the same order), got ${Array.isArray(offsets) ? `${offsets.length} offsets` : typeof offsets}`);
  }
  offsets.forEach((offset, i) => {
    if (!(Number.isInteger(offset) && offset >= 0)) {
      throw new Error(`${what}: the offset of buffer ${i} (tensor ${buffers[i].tensor} "${buffers[i].name}") is ${JSON.stringify(offset)}; expected an integer ≥ 0`);
    }
  });
  const plan: reference.MemoryPlan = { planner: "course", offsets: new Array<number>(order.tensors.length).fill(-1), arena: 0, shared: [] };
  buffers.forEach((b, i) => {
    plan.offsets[b.tensor] = offsets[i];
  });
  plan.arena = Math.max(0, ...buffers.map((b, i) => offsets[i] + b.alignedBytes));
  try {
    reference.checkPlan(order, plan);
  } catch (error) {
    throw new Error(`${what}: ${(error as Error).message.replace(/^checkPlan \([^)]*\): /, "")}`);
  }
  return plan.arena;
}

function expectNoWorseThanTflm(order: ExecutionOrder, what: string): void {
  const buffers = reference.tensorLifetimes(order);
  const arena = arenaOf(order, buffers, greedyOffsets(buffers.map((b) => ({ ...b }))), what); // copies: the learner may sort in place
  const tflm = reference.planTflmGreedy(order).arena;
  expect({ what, arenaAtMostTflm: arena <= tflm, arena, tflm }).toEqual({ what, arenaAtMostTflm: true, arena, tflm });
}

graded(
  { id: "10.2", points: 1, feedback: "One offset per buffer, in the buffers' order. Place the largest buffer at 0; each next one goes into the first gap between the placed buffers that live at the same time as it, or above the highest of them. Here: a → 0, x → 112, y → 112: an arena of 144." },
  "the docstring's example: valid offsets and an arena of at most 144 bytes",
  () => {
    const buffers: TensorLifetime[] = [
      { tensor: 0, name: "x", bytes: 20, alignedBytes: 32, first: 0, last: 1 },
      { tensor: 2, name: "a", bytes: 100, alignedBytes: 112, first: 1, last: 2 },
      { tensor: 3, name: "y", bytes: 10, alignedBytes: 16, first: 2, last: 2 },
    ];
    const arena = arenaOf(example(), buffers, greedyOffsets(buffers.map((b) => ({ ...b }))), "the example");
    expect(arena).toBeLessThanOrEqual(144);
  },
);

graded(
  { id: "10.2", points: 3, feedback: "Two buffers whose lifetimes overlap (inclusive ends: [1, 2] and [2, 3] do) must not share a byte, and buffers that never live together should share bytes: that reuse is what keeps the arena at or below TFLM's. Walk the placed buffers that overlap in time in increasing offset and keep track of the highest end seen so far: a gap is the space between that end and the next buffer's offset." },
  "valid offsets and an arena no larger than TFLM's greedy planner on TFLM's two models and 60 random graphs",
  () => {
    for (const file of ["hello_world_int8.tflite", "micro_speech_quantized.tflite"]) expectNoWorseThanTflm(fixtureOrder(file), file);
    randomOrders(2000, 60).forEach((order, seed) => expectNoWorseThanTflm(order, `random graph ${seed}`));
  },
);

graded(
  { id: "10.2", points: 1, feedback: "Throw a RangeError naming the buffer when its alignedBytes is not a positive multiple of 16 or its last step comes before its first." },
  "rejects unaligned sizes and lifetimes that end before they start",
  () => {
    const buffer = (alignedBytes: number, first: number, last: number): TensorLifetime => ({ tensor: 0, name: "t", bytes: alignedBytes, alignedBytes, first, last });
    validCall("greedyOffsets([16 B over steps 2..2])", () => greedyOffsets([buffer(16, 2, 2)]));
    const unaligned = errorFrom(() => greedyOffsets([buffer(16, 0, 1), buffer(24, 0, 1)]));
    expect(unaligned).toBeInstanceOf(RangeError);
    expect(unaligned.message).toMatch(/\b24\b|\b1\b/);
    const backwards = errorFrom(() => greedyOffsets([buffer(16, 3, 2)]));
    expect(backwards).toBeInstanceOf(RangeError);
    expect(backwards.message).toMatch(/\b3\b|\b2\b/);
  },
);
