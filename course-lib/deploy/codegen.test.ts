// The C generator's pieces without a model build: cArray's initialisers (checked by compiling them with gcc and
// reading the values and alignment back), what model.h/model.c declare, the errors for graphs and plans the C
// cannot run, scratch sizes, and the UART protocol parser.
import { execFileSync } from "child_process";
import { mkdirSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { describe, expect, it } from "vitest";
import { mulberry32 } from "../data/random";
import type { QuantizedGraph } from "../quantize/graph";
import { prepareQuantized } from "../quantize/interpreter";
import { cArray, generateModelSources } from "./codegen";
import { planCourse, planLinear } from "./planner";
import { parseAppOutput } from "./protocol";
import { scratchBytes } from "./scratch";
import { GraphBuilder, randomInputs, randomOpChain, randomSingleOpGraph } from "./test-helpers";

describe("cArray", () => {
  it("writes a const, aligned C definition, on one line when it fits", () => {
    expect(cArray("w", [1, -2, 3], { type: "int8_t" })).toBe("const int8_t w[3] __attribute__((aligned(4))) = { 1, -2, 3 };\n");
    expect(cArray("b", [-2147483648, 2147483647], { type: "int32_t", alignment: 16, section: ".rodata.nn" })).toBe(
      'const int32_t b[2] __attribute__((aligned(16))) __attribute__((section(".rodata.nn"))) = {\n  (-2147483647 - 1), 2147483647\n};\n',
    );
  });

  it("wraps long arrays to lines of at most 100 characters, values in order", () => {
    const r = mulberry32(3);
    const values = Array.from({ length: 1000 }, () => Math.floor(r() * 256) - 128);
    const text = cArray("weights", values, { type: "int8_t", alignment: 16 });
    const lines = text.trimEnd().split("\n");
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(100);
    expect(lines[0]).toBe("const int8_t weights[1000] __attribute__((aligned(16))) = {");
    expect(lines[lines.length - 1]).toBe("};");
    expect(lines.slice(1, -1).join(" ").split(",").map((v) => Number(v.trim()))).toEqual(values);
  });

  it("names the bad value", () => {
    expect(() => cArray("1x", [1], { type: "int8_t" })).toThrow(/"1x" is not a C identifier/);
    expect(() => cArray("w", [1, 128], { type: "int8_t" })).toThrow(/w\[1\] = 128 is not an int8_t/);
    expect(() => cArray("w", [0.5], { type: "int32_t" })).toThrow(/w\[0\] = 0.5 is not an int32_t/);
    expect(() => cArray("w", [1], { type: "int8_t", alignment: 3 })).toThrow(/alignment must be a power of two, got 3/);
    expect(() => cArray("w", [1, 2, 3], { type: "int8_t", shape: [2, 2] })).toThrow(/3 values, which do not fill a non-empty array of shape \[2,2\]/);
    expect(() => cArray("w", [], { type: "int8_t" })).toThrow(/0 values/);
    expect(() => cArray("w", [1], { type: "int16_t" as "int8_t" })).toThrow(/type must be "int8_t" or "int32_t", got "int16_t"/);
  });

  it("compiles with gcc -Wall -Wextra -Werror, and the program reads back every value, its alignment and its section", () => {
    const r = mulberry32(5);
    const bytes = Array.from({ length: 301 }, () => Math.floor(r() * 256) - 128);
    const words = [-2147483648, 2147483647, 0, -1, ...Array.from({ length: 40 }, () => Math.floor(r() * 2 ** 32) - 2 ** 31)];
    const table = Array.from({ length: 15 }, (_, i) => i - 7);
    const dir = join(tmpdir(), "tinyml-course-host-tests", "carray");
    mkdirSync(dir, { recursive: true });
    const source = `#include <stdint.h>
#include <stdio.h>
${cArray("bytes", bytes, { type: "int8_t", alignment: 64, section: ".rodata.nn_weights" })}
${cArray("words", words, { type: "int32_t" })}
${cArray("table", table, { type: "int8_t", shape: [3, 5] })}
int main(void) {
  int i, j;
  printf("%d\\n", (int)((uintptr_t)bytes % 64));
  for (i = 0; i < (int)sizeof bytes; i++) printf("%d ", bytes[i]);
  printf("\\n");
  for (i = 0; i < (int)(sizeof words / sizeof words[0]); i++) printf("%ld ", (long)words[i]);
  printf("\\n");
  for (i = 0; i < 3; i++) for (j = 0; j < 5; j++) printf("%d ", table[i][j]);
  printf("\\n");
  return 0;
}
`;
    writeFileSync(join(dir, "carray.c"), source);
    execFileSync("gcc", ["-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-Wmissing-braces", join(dir, "carray.c"), "-o", join(dir, "carray")]);
    const [alignment, b, w, t] = execFileSync(join(dir, "carray"), { encoding: "utf8" }).split("\n");
    expect(alignment).toBe("0");
    expect(b.trim().split(" ").map(Number)).toEqual(bytes);
    expect(w.trim().split(" ").map(Number)).toEqual(words);
    expect(t.trim().split(" ").map(Number)).toEqual(table);
    execFileSync("gcc", ["-std=c99", "-O2", "-c", join(dir, "carray.c"), "-o", join(dir, "carray.o")]);
    const sections = execFileSync("objdump", ["-t", join(dir, "carray.o")], { encoding: "utf8" });
    expect(sections).toMatch(/\.rodata\.nn_weights\s+0+12d\s+bytes/);
  });
});

describe("generateModelSources", () => {
  const graph = randomOpChain(["conv2d", "depthwiseConv2d", "pad", "fullyConnected"], 3);
  const inputs = randomInputs(graph, 3, 3);
  const plan = planCourse(graph);

  it("declares the model's sizes, a static arena at the plan's size, const parameters, and one mark per op", () => {
    const out = generateModelSources(graph, plan, { inputs, kernels: "reference" });
    const prepared = prepareQuantized(graph);
    const h = out.files["model.h"];
    const c = out.files["model.c"];
    expect(h).toContain(`#define NN_MODEL_INPUT_SIZE ${prepared.inputSize}\n`);
    expect(h).toContain(`#define NN_MODEL_OUTPUT_SIZE ${graph.tensors[graph.outputs[0]].shape.reduce((p, d) => p * d, 1)}\n`);
    expect(h).toContain("#define NN_MODEL_OPS 4\n");
    expect(h).toContain(`#define NN_ARENA_BYTES ${plan.arena}\n`);
    expect(h).toContain("#define NN_TEST_INPUTS 3\n");
    expect(out.arenaBytes).toBe(plan.arena);
    expect(out.scratchBytes).toBe(0);
    expect(c).toContain("static int8_t nn_arena[NN_ARENA_BYTES] __attribute__((aligned(16)));");
    expect(c).toContain(`int8_t* const nn_model_input = nn_arena + ${plan.offsets[graph.inputs[0]]};`);
    expect(c.match(/nn_op_mark\((\d+|NN_MODEL_OPS)\);/g)).toEqual(["nn_op_mark(0);", "nn_op_mark(1);", "nn_op_mark(2);", "nn_op_mark(3);", "nn_op_mark(NN_MODEL_OPS);"]);
    // Every array and parameter block is const (flash): the arena is the only non-const data.
    const definitions = c.split("\n").filter((l) => /^(static )?(const )?(int8_t|int32_t|nn_\w+)\b.*=/.test(l) || /^static int8_t/.test(l));
    expect(definitions.filter((l) => !/\bconst\b/.test(l))).toEqual(["static int8_t nn_arena[NN_ARENA_BYTES] __attribute__((aligned(16)));"]);
    expect(c).not.toMatch(/malloc|printf/);
    // The interpreter's multipliers, byte for byte.
    const conv = prepared.ops[0].plan as { multipliers: Int32Array };
    expect(c).toContain(cArray("op0_multipliers", conv.multipliers, { type: "int32_t" }));
    expect(c).toContain(`/* op 1 depthwiseConv2d: "op0_output"`);
    expect(out.files["inputs.c"]).toContain(`const int8_t nn_test_inputs[3][${prepared.inputSize}]`);
  });

  it("sizes the scratch for MEAN (4 bytes per output) and declares it", () => {
    const mean = randomSingleOpGraph("mean", 4);
    const prepared = prepareQuantized(mean);
    const outSize = (prepared.ops[0].plan as { outSize: number }).outSize;
    expect(scratchBytes(mean.operators[0], prepared.ops[0].plan, "reference")).toBe(4 * outSize);
    expect(scratchBytes(mean.operators[0], prepared.ops[0].plan, "optimized")).toBe(4 * outSize);
    expect(scratchBytes(graph.operators[0], prepareQuantized(graph).ops[0].plan, "reference")).toBe(0);
    const out = generateModelSources(mean, planCourse(mean), { inputs: randomInputs(mean, 1, 1), kernels: "reference" });
    expect(out.scratchBytes).toBe(4 * outSize);
    expect(out.files["model.c"]).toContain("static int8_t nn_scratch[NN_SCRATCH_BYTES] __attribute__((aligned(16)));");
    expect(() => scratchBytes(mean.operators[0], prepared.ops[0].plan, "fast" as "reference")).toThrow(/kernels must be "reference" or "optimized", got "fast"/);
  });

  it("refuses what the C cannot run, naming it", () => {
    const two: QuantizedGraph = { ...graph, outputs: [graph.outputs[0], 1] };
    expect(() => generateModelSources(two, plan, { inputs, kernels: "reference" })).toThrow(/has 1 inputs and 2 outputs; the C model takes exactly 1 of each/);
    expect(() => generateModelSources(graph, plan, { inputs, kernels: "fast" as "reference" })).toThrow(/kernels must be "reference" or "optimized", got "fast"/);
    expect(() => generateModelSources(graph, plan, { inputs: [new Int8Array(3)], kernels: "reference" })).toThrow(/test input 0 must be an Int8Array of \d+ values \(the graph's input size\), got 3 values/);
    const small = { ...plan, arena: 16 };
    expect(() => generateModelSources(graph, small, { inputs, kernels: "reference" })).toThrow(/puts tensor \d+ "[^"]+" \(\d+ bytes\) at \d+, outside the 16-byte arena/);
    // Every activation at offset 0: the conv's output overlaps its input, and a conv cannot run in place.
    const overlapping = { ...plan, offsets: plan.offsets.map((o) => (o >= 0 ? 0 : o)) };
    expect(() => generateModelSources(graph, overlapping, { inputs, kernels: "reference" })).toThrow(/overlaps op 0 \(conv2d\)'s input "input"/);
  });

  it("says which operator has no C kernel, and refuses shapes beyond rank 4", () => {
    const b = new GraphBuilder("five dims");
    const x = b.activation("x", [1, 2, 1, 2, 2], 0.1, 0);
    const c = b.int8("c", [1, 2, 1, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8], [0.1]);
    const y = b.activation("y", [1, 2, 1, 2, 2], 0.2, 0);
    b.op({ kind: "add", inputs: [x, c], outputs: [y], activation: "none" });
    const five = b.build(x, y);
    expect(() => generateModelSources(five, planLinear(five), { inputs: randomInputs(five, 1, 1), kernels: "reference" })).toThrow(
      /op 0 \(add → "y"\) in graph "five dims": add: shape \[1,2,1,2,2\] has rank 5; the C kernels take rank ≤ 4/,
    );
    const sb = new GraphBuilder("long softmax");
    const sx = sb.activation("x", [1, 512], 0.1, 0);
    const sy = sb.activation("y", [1, 512], 1 / 256, -128);
    sb.op({ kind: "softmax", inputs: [sx], outputs: [sy], beta: 1 });
    const long = sb.build(sx, sy);
    expect(() => generateModelSources(long, planLinear(long), { inputs: randomInputs(long, 1, 1), kernels: "reference" })).toThrow(
      /softmax over rows of 512 values: the C kernel takes rows of at most 511/,
    );
    const unknown = { ...graph, operators: [{ ...graph.operators[0], kind: "gelu" }, ...graph.operators.slice(1)] } as unknown as QuantizedGraph;
    expect(() => generateModelSources(unknown, plan, { inputs, kernels: "reference" })).toThrow(/gelu/);
  });
});

describe("parseAppOutput", () => {
  const good = ["begin inputs=2 input_size=3 output_size=2 ops=1", "dump 0 0 80ff", "out 0 80ff", "dump 1 0 007f", "out 1 007f", "stack 1234", "end", ""].join("\n");

  it("reads outputs (two's complement hex), dumps, stack and end", () => {
    const r = parseAppOutput(good);
    expect([r.inputs, r.inputSize, r.outputSize, r.ops]).toEqual([2, 3, 2, 1]);
    expect(r.outputs.map((o) => Array.from(o))).toEqual([[-128, -1], [0, 127]]);
    expect(Array.from(r.dumps.get("1:0")!)).toEqual([0, 127]);
    expect(r.stackPeak).toBe(1234);
    expect(r.ended).toBe(true);
    expect(r.hardfault).toBe(false);
    expect(r.lines).toHaveLength(7);
    expect(parseAppOutput(good.replace(/\n/g, "\r\n")).outputs).toHaveLength(2);
    expect(parseAppOutput(good.replace("stack 1234\n", "")).stackPeak).toBeNull();
  });

  it("reports a HardFault (also after a partial line) and a run that stopped early", () => {
    const faulted = parseAppOutput("begin inputs=2 input_size=3 output_size=2 ops=1\nout 0 80ff\nout 1 00hardfault\n");
    expect(faulted.hardfault).toBe(true);
    expect(faulted.ended).toBe(false);
    expect(faulted.outputs).toHaveLength(1);
    const cut = parseAppOutput("begin inputs=2 input_size=3 output_size=2 ops=1\nout 0 80ff\n");
    expect([cut.ended, cut.hardfault, cut.outputs.length]).toEqual([false, false, 1]);
  });

  it("names what is malformed", () => {
    expect(() => parseAppOutput("")).toThrow(/no "begin" line/);
    expect(() => parseAppOutput("hello\n")).toThrow(/line 1: expected "begin inputs=<N>/);
    expect(() => parseAppOutput(good.replace("out 0 80ff", "out 0 80FF"))).toThrow(/line 3: "80FF" is not lowercase hex pairs/);
    expect(() => parseAppOutput(good.replace("out 0 80ff", "out 0 80"))).toThrow(/line 3: 1 bytes, expected 2/);
    expect(() => parseAppOutput(good.replace("out 1 007f", "out 0 007f"))).toThrow(/line 5: output of input 0, expected input 1/);
    expect(() => parseAppOutput(good.replace("out 1 007f\n", ""))).toThrow(/"end" after 1 outputs, the firmware announced 2 inputs/);
    expect(() => parseAppOutput(good.replace("dump 1 0 007f", "dump 1 3 007f"))).toThrow(/dump of op 3, but the model has 1 ops/);
    expect(() => parseAppOutput(good + "out 2 0000\n")).toThrow(/after "end"/);
    expect(() => parseAppOutput(good.replace("stack 1234", "noise"))).toThrow(/line 6: unexpected "noise"/);
  });
});
