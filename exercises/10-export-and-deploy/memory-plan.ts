// Lesson 10 exercises 10.1 and 10.2: when each tensor of a network is alive, and where in the one static
// arena of the firmware it goes.
//
// Replace each `notImplemented(...)` line with your code. Until you do, notebooks/10-export-and-deploy.ipynb
// prints "exercise 10.1 not implemented yet: showing the reference" and uses the course's version
// (course-lib/deploy/planner.ts). Check your work with `npm run grade -- --only 10.1` (and `--only 10.2`).
//
import { notImplemented } from "../../course-lib/grader/exercise";

/** A network as plain arrays: its tensors, its operators in the order they run, its inputs and outputs. */
export interface ExecutionOrder {
  /** One entry per tensor id (the index). Constant tensors (weights, biases) live in flash, not in the arena. */
  tensors: { name: string; bytes: number; constant?: boolean }[];
  /** Operators in execution order, with the ids of the tensors they read and write; −1 is an omitted optional input. */
  ops: { kind?: string; inputs: number[]; outputs: number[] }[];
  /** Graph input and output tensor ids. */
  inputs: number[];
  outputs: number[];
}

/** One tensor the arena must hold, and the steps during which it must hold it. */
export interface TensorLifetime {
  tensor: number;
  name: string;
  bytes: number;
  /** bytes rounded up to a multiple of 16 (TensorFlow Lite Micro aligns every arena buffer to 16 bytes). */
  alignedBytes: number;
  /** The step that creates it. */
  first: number;
  /** The last step that uses it (inclusive). */
  last: number;
}

/**
 * Exercise 10.1: the lifetime of every tensor the arena must hold, by TensorFlow Lite Micro's rules.
 *
 * Steps are numbered like TFLM's allocation scopes: step 0 is "before the first operator", and operator i
 * runs in step i + 1. TODO, for every tensor that is not constant:
 *   - a graph input is created at step 0;
 *   - operator i creates its outputs at step i + 1 (first = i + 1), and every tensor it reads or writes is
 *     in use at step i + 1 (last is at least i + 1): an operator's inputs and outputs are live together;
 *   - a graph output stays live to the end: last = the number of operators;
 *   - skip −1 (an omitted input) and constants; a tensor no operator or graph input/output mentions is not
 *     listed.
 * Return one TensorLifetime per such tensor, in increasing tensor id, with alignedBytes = bytes rounded up
 * to a multiple of 16.
 *
 *   tensors: [x 20 B, w 50 B constant, a 100 B, y 10 B]; ops: [conv2d(x, w) → a, fullyConnected(a, w) → y];
 *   inputs [0], outputs [3]
 *   → [{ tensor: 0, name: "x", bytes: 20, alignedBytes: 32, first: 0, last: 1 },
 *      { tensor: 2, name: "a", bytes: 100, alignedBytes: 112, first: 1, last: 2 },
 *      { tensor: 3, name: "y", bytes: 10, alignedBytes: 16, first: 2, last: 2 }]
 *
 * Throw a RangeError naming the id when an operator, a graph input or a graph output refers to a tensor id
 * that does not exist (other than −1 among an operator's inputs), and naming the tensor when a graph input
 * is constant.
 */
export function tensorLifetimes(order: ExecutionOrder): TensorLifetime[] {
  notImplemented("10.1");
}

/**
 * Exercise 10.2: an arena offset for every buffer, so that no two buffers alive at the same step share a byte.
 *
 * `buffers` are lifetimes as tensorLifetimes returns them. Return one offset per buffer, in the same order:
 * a multiple of 16, ≥ 0, such that two buffers whose lifetimes overlap (inclusive: [1, 2] and [2, 3] do)
 * never overlap in [offset, offset + alignedBytes). The arena the firmware declares is the largest
 * offset + alignedBytes. Any such plan is valid; it earns the points when its arena is no larger than
 * TensorFlow Lite Micro's greedy planner's on the same buffers. TODO, TFLM's algorithm:
 *   1. sort the buffers by alignedBytes, largest first (TFLM keeps equal sizes in descending index order);
 *   2. place them one by one: the first at offset 0; for each next one, look only at the already placed
 *      buffers whose lifetimes overlap its own, in increasing offset order, and put it in the first gap
 *      between them that is large enough (starting from 0), or else just above the highest of them.
 * A better order or a better choice of gap may give a smaller arena: try it.
 *
 *   buffers (from the example above): x 32 B [0, 1], a 112 B [1, 2], y 16 B [2, 2]
 *   a first → 0; x overlaps a (step 1) and there is no gap below a → 112; y overlaps only a → 112
 *   → [112, 0, 112], an arena of 144 bytes
 *
 * Throw a RangeError naming the buffer when its alignedBytes is not a positive multiple of 16 or its
 * lifetime ends before it starts (last < first).
 */
export function greedyOffsets(buffers: TensorLifetime[]): number[] {
  notImplemented("10.2");
}
