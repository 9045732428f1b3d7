// Graded tests for lesson 02's peak activation memory (exercises/02-building-blocks/memory.ts).
// Run them with `npm run grade -- --only 02.7`. The expected numbers are worked out by hand in the
// comments: the live set at each step, under the rule in the exercise's comment. The "rejects ..." test
// also makes a valid call (validCall): a function that throws on every input earns nothing for it.
import { expect } from "vitest";
import { errorFrom, graded, validCall } from "../../course-lib/grader/graded";
import { peakLiveBytes, type ActivationNode } from "@exercise/02-building-blocks/memory";

const node = (name: string, bytes: number, ...consumers: string[]): ActivationNode => ({ name, bytes, consumers });

graded(
  { id: "02.7", points: 2, feedback: "In a chain only a node's input and its own output are live: live(i) = bytes(i-1) + bytes(i). The input is live at step 0." },
  "a chain: each step holds its input and output",
  () => {
    // input | input+a = 300 | a+b = 250 | b+out = 60
    const chain = [node("input", 100, "a"), node("a", 200, "b"), node("b", 50, "out"), node("out", 10)];
    expect(peakLiveBytes(chain)).toEqual({ peakBytes: 300, peakAt: "a", liveBytes: [100, 300, 250, 60] });
    // One node: the input is also the output.
    expect(peakLiveBytes([node("input", 42)])).toEqual({ peakBytes: 42, peakAt: "input", liveBytes: [42] });
  },
);

graded(
  { id: "02.7", points: 3, feedback: "A skip keeps its source live until its LAST consumer: the input of a residual block stays live while the whole branch runs." },
  "a skip connection keeps the block input live",
  () => {
    // input → a → b → add, and input → add (the skip).
    // step input: 100 | a: input+a = 200 | b: input+a+b = 300 | add: input+b+add = 300 (a is freed after b)
    const residual = [node("input", 100, "a", "add"), node("a", 100, "b"), node("b", 100, "add"), node("add", 100)];
    expect(peakLiveBytes(residual)).toEqual({ peakBytes: 300, peakAt: "b", liveBytes: [100, 200, 300, 300] });
    // The same chain without the skip: 100 | 200 | 200 | 200 → the skip costs one extra buffer.
    const plain = [node("input", 100, "a"), node("a", 100, "b"), node("b", 100, "add"), node("add", 100)];
    expect(peakLiveBytes(plain)).toEqual({ peakBytes: 200, peakAt: "a", liveBytes: [100, 200, 200, 200] });
  },
);

graded(
  { id: "02.7", points: 2, feedback: "An inverted residual block: the wide middle tensors dominate, and the narrow input stays live for the skip. Sum every output j with j <= i <= (last consumer of j)." },
  "an inverted residual block (narrow-wide-narrow)",
  () => {
    // 8x8x16 float32 input = 4096 B; expanded 8x8x64 = 16384 B.
    // input 4096 | expand: 4096+16384 = 20480 | dw: 4096+16384+16384 = 36864 | project: 4096+16384+4096 = 24576 | add: 4096+4096+4096 = 12288
    const block = [
      node("input", 4096, "expand", "add"),
      node("expand", 16384, "dw"),
      node("dw", 16384, "project"),
      node("project", 4096, "add"),
      node("add", 4096),
    ];
    expect(peakLiveBytes(block)).toEqual({ peakBytes: 36864, peakAt: "dw", liveBytes: [4096, 20480, 36864, 24576, 12288] });
  },
);

graded(
  { id: "02.7", points: 2, feedback: "A node with no consumers is a model output: it stays live until the end, even when other nodes run after it. On a tie, peakAt is the first step with the maximum." },
  "outputs stay live to the end; ties report the first peak",
  () => {
    // input → a → {aux (an output), b}; b → c.
    // input 10 | a: 10+20 = 30 | aux: 20+5 = 25 | b: 20+5+20 = 45 | c: 5+20+1 = 26
    const twoHeads = [node("input", 10, "a"), node("a", 20, "aux", "b"), node("aux", 5), node("b", 20, "c"), node("c", 1)];
    expect(peakLiveBytes(twoHeads)).toEqual({ peakBytes: 45, peakAt: "b", liveBytes: [10, 30, 25, 45, 26] });
    // Equal sizes: 8 | 16 | 16 → the peak is first reached at "a".
    const flat = [node("input", 8, "a"), node("a", 8, "b"), node("b", 8)];
    expect(peakLiveBytes(flat)).toMatchObject({ peakBytes: 16, peakAt: "a" });
    // Two branches joined by a concatenation: input 10 | l: 10+30 = 40 | r: 10+30+30 = 70 | cat: 30+30+60 = 120
    const branches = [node("input", 10, "l", "r"), node("l", 30, "cat"), node("r", 30, "cat"), node("cat", 60)];
    expect(peakLiveBytes(branches)).toEqual({ peakBytes: 120, peakAt: "cat", liveBytes: [10, 40, 70, 120] });
  },
);

graded(
  { id: "02.7", points: 2, feedback: "Check the graph before walking it: throw an Error naming the node for an empty list, a duplicate name, bytes < 0 or NaN, an unknown consumer, or a consumer listed before its producer." },
  "rejects malformed graphs",
  () => {
    // Node names are distinctive words, so a message must really name the node at fault.
    validCall("peakLiveBytes of a 0-byte input read by two nodes", () => peakLiveBytes([node("stem", 0, "left", "right"), node("left", 0), node("right", 0)]));
    errorFrom(() => peakLiveBytes([]));
    expect(errorFrom(() => peakLiveBytes([node("stem", 1, "conv1"), node("conv1", 1), node("conv1", 1)])).message).toContain("conv1");
    expect(errorFrom(() => peakLiveBytes([node("stem", 1, "conv2"), node("conv2", -4)])).message).toContain("conv2");
    expect(errorFrom(() => peakLiveBytes([node("stem", 1, "pool3"), node("pool3", NaN)])).message).toContain("pool3");
    expect(errorFrom(() => peakLiveBytes([node("stem", 1, "ghost"), node("head", 1)])).message).toContain("ghost");
    // dense4 lists stem, which runs before it, as a consumer: the order is not topological.
    const backwards = errorFrom(() => peakLiveBytes([node("stem", 1, "dense4"), node("dense4", 1, "stem")]));
    expect(backwards.message).toMatch(/\b(stem|dense4)\b/);
    const selfLoop = errorFrom(() => peakLiveBytes([node("stem", 1, "stem")]));
    expect(selfLoop.message).toContain("stem");
  },
);
