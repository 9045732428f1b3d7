// The memory planner (planner.ts) on graphs whose plans are worked out by hand here, on TFLM's own planner
// test vectors (greedy_memory_planner_test.cc), on the two converter-made .tflite fixtures, on every lesson
// model and on random DAGs: bounds in order (liveSetShared ≤ course ≤ tflmGreedy ≤ sum, liveSet ≤
// tflmGreedy), every plan accepted by checkPlan, and checkPlan rejecting plans that overlap live tensors.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { mulberry32 } from "../data/random";
import { activationMemory } from "../profiler/quantized";
import { lessonModels } from "../quantize/lesson-models";
import { quantizeModel } from "../quantize/quantize-model";
import { readTfliteFixture } from "../quantize/tflite/fixtures";
import { readTflite } from "../quantize/tflite/reader";
import {
  checkPlan, executionOrderOf, greedyOffsets, planCourse, planLinear, planMemory, planTflmGreedy, randomExecutionOrder,
  tensorLifetimes, type ExecutionOrder, type MemoryPlan, type MemoryPlanReport,
} from "./planner";
import { gatedExecutionOrder as gated } from "./test-helpers";

const fixture = (name: string) => readTflite(readTfliteFixture(name));

function checkBounds(report: MemoryPlanReport, what: string): void {
  const { sum, liveSet, liveSetShared } = report.bounds;
  const figures = { what, sum, liveSet, liveSetShared, tflmGreedy: report.tflmGreedy.arena, course: report.course.arena, linear: report.linear.arena };
  expect(liveSetShared, JSON.stringify(figures)).toBeLessThanOrEqual(liveSet);
  expect(liveSetShared, JSON.stringify(figures)).toBeLessThanOrEqual(report.course.arena);
  expect(report.course.arena, JSON.stringify(figures)).toBeLessThanOrEqual(report.tflmGreedy.arena);
  expect(liveSet, JSON.stringify(figures)).toBeLessThanOrEqual(report.tflmGreedy.arena);
  expect(report.tflmGreedy.arena, JSON.stringify(figures)).toBeLessThanOrEqual(sum);
  expect(report.linear.arena).toBe(sum);
  for (const plan of [report.tflmGreedy, report.course, report.linear]) expect(plan.arena % 16).toBe(0);
}

describe("tensorLifetimes", () => {
  it("follows TFLM's scopes on a hand-worked graph: constants and omitted inputs are not planned", () => {
    expect(tensorLifetimes(gated())).toEqual([
      { tensor: 0, name: "x", bytes: 64, alignedBytes: 64, first: 0, last: 1 },
      { tensor: 2, name: "a", bytes: 256, alignedBytes: 256, first: 1, last: 3 },
      { tensor: 3, name: "s", bytes: 256, alignedBytes: 256, first: 2, last: 3 },
      { tensor: 4, name: "m", bytes: 256, alignedBytes: 256, first: 3, last: 4 },
      { tensor: 5, name: "y", bytes: 32, alignedBytes: 32, first: 4, last: 4 },
    ]);
  });

  it("is lesson 08's activationMemory on a QuantizedGraph, and the same on its executionOrderOf", () => {
    for (const name of ["hello_world_int8.tflite", "micro_speech_quantized.tflite"]) {
      const graph = fixture(name);
      const fromProfiler = activationMemory(graph).buffers;
      expect(tensorLifetimes(graph)).toEqual(fromProfiler);
      expect(tensorLifetimes(executionOrderOf(graph))).toEqual(fromProfiler);
      expect(planMemory(executionOrderOf(graph))).toEqual(planMemory(graph));
    }
  });

  it("rejects an execution order that refers to missing tensors, reads a tensor before it is made or writes one twice", () => {
    const order = gated();
    expect(() => tensorLifetimes({ ...order, inputs: [9] })).toThrow(/graph input refers to tensor 9; expected an id in 0..5/);
    expect(() => tensorLifetimes({ ...order, ops: [{ kind: "add", inputs: [0, 7], outputs: [2] }] })).toThrow(/operator 0 \(add\) input refers to tensor 7/);
    expect(() => tensorLifetimes({ ...order, ops: [order.ops[1], order.ops[0]] })).toThrow(/operator 0 \(logistic\) reads tensor 2 "a", which operator 1 only produces later/);
    expect(() => tensorLifetimes({ ...order, ops: [order.ops[0], { kind: "pad", inputs: [0], outputs: [2] }] })).toThrow(/tensor 2 "a" is written by operators 0 and 1/);
    expect(() => tensorLifetimes({ ...order, tensors: [{ name: "x", bytes: 0 }, ...order.tensors.slice(1)] })).toThrow(/tensor 0 "x" has bytes 0; expected an integer ≥ 1/);
    expect(() => tensorLifetimes({ ...order, ops: [{ kind: "conv2d", inputs: [0], outputs: [1] }] })).toThrow(/writes tensor 1, a constant/);
    expect(() => tensorLifetimes({ ...order, inputs: [1] })).toThrow(/graph input 1 "w" is a constant/);
  });
});

describe("greedyOffsets: TensorFlow Lite Micro's GreedyMemoryPlanner", () => {
  // greedy_memory_planner_test.cc's cases, with sizes × 16 so that they are 16-byte aligned: the algorithm
  // only compares sums of sizes, so scaling every size scales every offset and the arena by the same factor.
  const scaled = (buffers: [number, number, number][]) => buffers.map(([size, first, last]) => ({ alignedBytes: 16 * size, first, last }));
  const arena = (buffers: { alignedBytes: number }[], offsets: number[]) => Math.max(...offsets.map((o, i) => o + buffers[i].alignedBytes));

  it("TestGreedyBasics and TestGreedyMedium: TFLM's expected offsets and arena", () => {
    const basics = scaled([[10, 0, 1], [20, 2, 3]]);
    expect(greedyOffsets(basics)).toEqual([0, 0]);
    expect(arena(basics, greedyOffsets(basics))).toBe(16 * 20);
    const medium = scaled([[10, 0, 1], [20, 1, 2], [30, 2, 3], [40, 3, 4], [50, 0, 1]]);
    expect(greedyOffsets(medium)).toEqual([50, 70, 40, 0, 0].map((o) => 16 * o));
    expect(arena(medium, greedyOffsets(medium))).toBe(16 * 90);
  });

  it("TestOverlapCase: TFLM's expected arena of 120", () => {
    const overlap = scaled([[100, 0, 1], [50, 2, 3], [20, 1, 2]]);
    expect(arena(overlap, greedyOffsets(overlap))).toBe(16 * 120);
  });

  it("places equal sizes in descending buffer order: TFLM fills its sort array from the tail, and its bubble sort is stable", () => {
    // Two 16-byte buffers live together: buffer 1 is placed first (offset 0), buffer 0 after it.
    expect(greedyOffsets([{ alignedBytes: 16, first: 0, last: 1 }, { alignedBytes: 16, first: 0, last: 1 }])).toEqual([16, 0]);
    // TestReverseSortInPlace's third case as planner input: sizes 1..10 repeated ten times, all live at once.
    // TFLM's sort gives ids 9, 19, ..., 99 (size 10) first for input ids in order; from the tail-filled array
    // the ties come out as 99, 89, ..., 9, so buffer 99 is at 0 and buffer 9 right above the other nine 160s.
    const c = Array.from({ length: 100 }, (_, i) => ({ alignedBytes: 16 * ((i % 10) + 1), first: 0, last: 0 }));
    const offsets = greedyOffsets(c);
    expect(offsets[99]).toBe(0);
    expect(offsets[89]).toBe(160);
    expect(offsets[9]).toBe(9 * 160);
    expect(arena(c, offsets)).toBe(16 * 55 * 10); // all live at once: stacked
    expect(offsets[0]).toBe(arena(c, offsets) - 16); // placed last: the lowest id of the smallest size
    expect(offsets[90]).toBe(arena(c, offsets) - 160);
  });

  it("rejects sizes that are not multiples of 16 and lifetimes that end before they start", () => {
    expect(() => greedyOffsets([{ alignedBytes: 10, first: 0, last: 1 }])).toThrow(/buffer 0 has alignedBytes 10; expected a positive multiple of 16/);
    expect(() => greedyOffsets([{ alignedBytes: 16, first: 2, last: 1 }])).toThrow(/buffer 0 lives from scope 2 to 1/);
    expect(greedyOffsets([])).toEqual([]);
  });
});

describe("the three plans on hand-worked graphs", () => {
  it("gated: TFLM greedy 768 (= liveSet), the course 512 by running the mul in place, linear = the sum", () => {
    const report = planMemory(gated());
    // TFLM's order: m, s, a (256 each, descending id), x (64), y (32). m → 0; s overlaps m → 256;
    // a overlaps m and s → 512; x overlaps only a, the gap below a fits → 0; y overlaps only m → 256.
    expect(report.tflmGreedy).toEqual({ planner: "tflm-greedy", offsets: [0, -1, 512, 256, 0, 256], arena: 768, shared: [] });
    expect(report.linear).toEqual({ planner: "linear", offsets: [0, -1, 64, 320, 576, 832], arena: 864, shared: [] });
    expect(report.bounds).toEqual({ sum: 864, liveSet: 768, liveSetShared: 512 });
    expect(report.course.arena).toBe(512);
    expect(report.course.shared).toEqual([[4, 3]]);
    expect(report.course.offsets[4]).toBe(report.course.offsets[3]);
    expect(planCourse(gated())).toEqual(report.course);
    expect(planTflmGreedy(gated())).toEqual(report.tflmGreedy);
    expect(planLinear(gated())).toEqual(report.linear);
  });

  it("a broadcast add runs in place on its full-size input, never on a graph output", () => {
    // x (32, input) → conv → a (256); x → conv → c (16, one value per channel); add(c, a) → o (256, output).
    const broadcast: ExecutionOrder = {
      tensors: [{ name: "x", bytes: 32 }, { name: "a", bytes: 256 }, { name: "c", bytes: 16 }, { name: "o", bytes: 256 }],
      ops: [{ kind: "conv2d", inputs: [0], outputs: [1] }, { kind: "conv2d", inputs: [0], outputs: [2] }, { kind: "add", inputs: [2, 1], outputs: [3] }],
      inputs: [0], outputs: [3],
    };
    // Lifetimes x [0,2], a [1,3], c [2,3], o [3,3]. Without sharing scope 3 holds a + c + o = 528; with o
    // over a (its last use; c is the broadcast input) it holds 272, and scope 2 (x + a + c = 304) is the peak.
    const report = planMemory(broadcast);
    expect(report.bounds).toEqual({ sum: 560, liveSet: 528, liveSetShared: 304 });
    expect(report.course.shared).toEqual([[3, 1]]);
    expect(report.course.arena).toBe(304); // scope 2: x + a + c
    // The same add when a is also a graph output: a must survive, no sharing.
    const kept = planMemory({ ...broadcast, outputs: [3, 1] });
    expect(kept.course.shared).toEqual([]);
    expect(kept.bounds.liveSetShared).toBe(kept.bounds.liveSet);
  });

  it("a flatten (reshape) aliases its input: 1,024 → 576 bytes", () => {
    // x (64, input) → conv → a (512) → reshape → r (512) → dense → y (16). Lifetimes x [0,1], a [1,2],
    // r [2,3], y [3,3]: scope 2 holds a + r = 1024. Aliased, {a, r} is one 512-byte buffer [1,3] and the
    // peak is scope 1, x + a = 576.
    const flatten: ExecutionOrder = {
      tensors: [{ name: "x", bytes: 64 }, { name: "a", bytes: 512 }, { name: "r", bytes: 512 }, { name: "y", bytes: 16 }],
      ops: [{ kind: "conv2d", inputs: [0], outputs: [1] }, { kind: "reshape", inputs: [1], outputs: [2] }, { kind: "fullyConnected", inputs: [2], outputs: [3] }],
      inputs: [0], outputs: [3],
    };
    const report = planMemory(flatten);
    expect(report.bounds).toEqual({ sum: 1104, liveSet: 1024, liveSetShared: 576 });
    expect(report.tflmGreedy.arena).toBe(1024);
    expect(report.course.arena).toBe(576);
    expect(report.course.shared).toEqual([[2, 1]]);
    expect(report.course.offsets[2]).toBe(report.course.offsets[1]);
  });

  it("micro_speech: TFLM's offsets by hand; its reshape aliases nothing useful, so the course keeps TFLM's plan", () => {
    // reshape(input 3, 1960 B → 1968) → 4 → depthwise → Relu 2 (4000) → dense → 5 (4 → 16) → softmax → 8 (16).
    // Lifetimes 2 [2,3], 3 [0,1], 4 [1,2], 5 [3,4], 8 [4,4]. TFLM's order 2, 4, 3, 8, 5 (ties by descending
    // id): 2 → 0; 4 overlaps 2 → 4000; 3 overlaps only 4, fits below it → 0; 8 overlaps nothing → 0;
    // 5 overlaps 2 and 8, both at 0 → 4000. The peak is the depthwise (its input + output = 5968), which
    // aliasing the reshape's input and output (one 1968-byte buffer [0,2]) does not lower.
    const graph = fixture("micro_speech_quantized.tflite");
    expect(graph.operators.map((op) => [op.kind, op.inputs[0], op.outputs[0]])).toEqual([["reshape", 3, 4], ["depthwiseConv2d", 4, 2], ["fullyConnected", 2, 5], ["softmax", 5, 8]]);
    const report = planMemory(graph);
    expect(report.tflmGreedy.offsets).toEqual([-1, -1, 0, 0, 4000, 4000, -1, -1, 0]);
    expect(report.bounds).toEqual({ sum: 4000 + 1968 + 1968 + 16 + 16, liveSet: 5968, liveSetShared: 5968 });
    expect(report.tflmGreedy.arena).toBe(5968);
    expect(report.course).toEqual({ ...report.tflmGreedy, planner: "course" });
  });

  it("hello_world: four 16-byte buffers in a chain, 32 bytes for every planner but the linear one", () => {
    const report = planMemory(fixture("hello_world_int8.tflite"));
    expect(report.bounds).toEqual({ sum: 64, liveSet: 32, liveSetShared: 32 });
    expect([report.tflmGreedy.arena, report.course.arena, report.linear.arena]).toEqual([32, 32, 64]);
  });
});

describe("checkPlan", () => {
  const plan = (): MemoryPlan => planTflmGreedy(gated());

  it("names the two tensors and the step when live tensors overlap", () => {
    const bad = plan();
    bad.offsets[2] = bad.offsets[3]; // a moves from 512 onto s at 256: both live at scope 2 (the logistic)
    bad.arena = 512;
    expect(() => checkPlan(gated(), bad)).toThrow(/tensor 2 "a" \[256, 512\) and tensor 3 "s" \[256, 512\) are both live at step 2 \(operator 1, logistic\)/);
  });

  it("rejects unaligned offsets, tensors outside the arena, a wrong high-water mark and offsets for constants", () => {
    const unaligned = plan();
    unaligned.offsets[0] = 8;
    expect(() => checkPlan(gated(), unaligned)).toThrow(/tensor 0 "x" at offset 8 is not 16-byte aligned/);
    expect(() => checkPlan(gated(), { ...plan(), arena: 512 })).toThrow(/tensor 2 "a" \[512, 768\) does not fit in the 512-byte arena/);
    expect(() => checkPlan(gated(), { ...plan(), arena: 1024 })).toThrow(/arena is 1024 bytes but the tensors reach 768/);
    const constant = plan();
    constant.offsets[1] = 0;
    expect(() => checkPlan(gated(), constant)).toThrow(/tensor 1 "w" is not planned .* has offset 0; expected −1/);
    expect(() => checkPlan(gated(), { ...plan(), offsets: [0] })).toThrow(/1 offsets for 6 tensors/);
    expect(() => checkPlan(gated(), plan())).not.toThrow();
  });

  it("accepts declared sharing only where it is legal", () => {
    const course = planCourse(gated());
    expect(() => checkPlan(gated(), course)).not.toThrow();
    // The same offsets without declaring the pair: s and m overlap at scope 3.
    expect(() => checkPlan(gated(), { ...course, shared: [] })).toThrow(/tensor 3 "s" .* and tensor 4 "m" .* are both live at step 3 \(operator 2, mul\)/);
    // The logistic cannot overwrite a, which the mul reads afterwards.
    const early = plan();
    early.offsets[3] = early.offsets[2];
    early.shared = [[3, 2]];
    expect(() => checkPlan(gated(), early)).toThrow(/operator 1 \(logistic\) cannot overwrite tensor 2 "a" in place: tensor 2 "a" is still used at step 3/);
    // A conv never runs in place.
    expect(() => checkPlan(gated(), { ...plan(), shared: [[2, 0]] })).toThrow(/operator 0 \(conv2d\) neither reshapes tensor 0 "x" nor runs in place on it/);
    // Shared tensors must sit at one offset.
    expect(() => checkPlan(gated(), { ...plan(), shared: [[4, 3]] })).toThrow(/tensor 4 "m" is at 0 and tensor 3 "s" at 256; shared tensors have one offset/);
  });

  it("catches a deliberately overlapped plan on every one of 100 random graphs", () => {
    const next = mulberry32(2024);
    let caught = 0;
    for (let seed = 0; seed < 100; seed++) {
      const order = randomExecutionOrder(mulberry32(500 + seed));
      const lifetimes = tensorLifetimes(order);
      const report = planMemory(order);
      for (const good of [report.tflmGreedy, report.course]) {
        // Two tensors live at the same time that the plan does not share: put the second at the first's offset.
        const groupOf = new Map<number, number>();
        good.shared.forEach(([a, b]) => groupOf.set(a, groupOf.get(b) ?? b));
        const root = (t: number) => groupOf.get(t) ?? t;
        const pairs: [number, number][] = [];
        for (const a of lifetimes) for (const b of lifetimes) {
          if (a.tensor < b.tensor && a.first <= b.last && b.first <= a.last && root(a.tensor) !== root(b.tensor)) pairs.push([a.tensor, b.tensor]);
        }
        if (pairs.length === 0) continue;
        const [a, b] = pairs[Math.floor(next() * pairs.length)];
        const bad: MemoryPlan = { ...good, offsets: [...good.offsets] };
        const moved = new Set([b, ...good.shared.filter((p) => root(p[0]) === root(b)).flat()]);
        for (const t of moved) bad.offsets[t] = good.offsets[a];
        bad.arena = Math.max(...lifetimes.map((l) => bad.offsets[l.tensor] + l.alignedBytes));
        const name = (t: number) => order.tensors[t].name;
        expect(() => checkPlan(order, bad), `seed ${seed}: ${name(a)} / ${name(b)}`).toThrow(/are both live at step \d+/);
        caught++;
      }
    }
    expect(caught).toBeGreaterThan(150);
  });
});

describe("bounds on random DAGs", () => {
  it("liveSetShared ≤ course ≤ tflmGreedy ≤ sum and liveSet ≤ tflmGreedy, every plan valid, on 300 graphs", () => {
    let below = 0;
    for (let seed = 0; seed < 300; seed++) {
      const order = randomExecutionOrder(mulberry32(seed));
      const report = planMemory(order); // runs checkPlan on all three plans
      checkBounds(report, `random graph seed ${seed}`);
      for (const plan of [report.tflmGreedy, report.course, report.linear]) checkPlan(order, plan);
      expect(report.tflmGreedy).toEqual(planTflmGreedy(order));
      if (report.course.arena < report.tflmGreedy.arena) below++;
    }
    // Sharing and the extra orders pay off on a good share of random graphs.
    expect(below).toBeGreaterThan(100);
  });
});

describe("every lesson model", () => {
  beforeAll(async () => {
    await tf.setBackend("cpu");
  });

  it("keeps the bounds in order and every plan valid; prints the figures", async () => {
    const rows: string[] = ["| model | ops | sum | liveSet | TFLM greedy | course | liveSetShared |", "|---|---:|---:|---:|---:|---:|---:|"];
    for (const entry of lessonModels()) {
      const model = entry.build();
      // Plans depend only on shapes: a few seeded random inputs calibrate well enough.
      const calibration = tf.randomUniform([2, ...entry.inputShape], 0, 1, "float32", 7);
      const graph = quantizeModel(model, { calibration, name: entry.name, progress: false });
      tf.dispose([calibration]);
      model.dispose();
      const report = planMemory(graph);
      checkBounds(report, entry.name);
      for (const plan of [report.tflmGreedy, report.course, report.linear]) checkPlan(graph, plan);
      expect(report.bounds.sum).toBe(activationMemory(graph).sum);
      expect(report.bounds.liveSet).toBe(activationMemory(graph).peak);
      const { sum, liveSet, liveSetShared } = report.bounds;
      rows.push(`| ${entry.name} | ${graph.operators.length} | ${sum} | ${liveSet} | ${report.tflmGreedy.arena} | ${report.course.arena} | ${liveSetShared} |`);
    }
    console.log(`Arena bytes per lesson model (planner.test.ts):\n${rows.join("\n")}`);
  }, 60_000);
});
