// Lesson 02 exercise 02.7: peak activation memory of a small graph.
//
// Replace the `notImplemented(...)` line with your code. Until you do, notebooks/02-building-blocks.ipynb
// prints "exercise 02.7 not implemented yet: showing the reference" and uses the course's version
// (course-lib/profiler/activation-graph.ts). Check your work with `npm run grade -- --only 02.7`.
//
import { notImplemented } from "../../course-lib/grader/exercise";

/** One step of a network's execution: the tensor it produces and which later steps read it. */
export interface ActivationNode {
  name: string;
  /** Bytes of this node's output tensor. */
  bytes: number;
  /** Names of the nodes that read this output; an empty list means it is a model output. */
  consumers: string[];
}

export interface PeakMemory {
  /** The most bytes live at once. */
  peakBytes: number;
  /** The name of the node running at the peak (the first one, if several tie). */
  peakAt: string;
  /** Bytes live while each node runs, in the same order as the nodes. */
  liveBytes: number[];
}

/**
 * Exercise 02.7: how much RAM do the activations need at the worst moment?
 *
 * The nodes run one at a time, in the order given (a topological order: nodes[0] is the model input,
 * and a node is always listed before its consumers). TODO: compute, for each step i, the bytes live while
 * node i runs, using this rule:
 *
 *   - node j's output is written when node j runs and stays live until its LAST consumer has run
 *     (inclusive); a node with no consumers is a model output and stays live until the end;
 *   - so while node i runs, node j's output is live when j <= i and i <= (the position of j's last
 *     consumer, or the last position if j has no consumers).
 *
 * Return the largest of these (peakBytes), the name of the first node where it happens (peakAt) and the
 * whole list (liveBytes). Example, a chain input(100) → a(200) → b(50) → out(10):
 *   step input: 100;  step a: 100 + 200 = 300;  step b: 200 + 50 = 250;  step out: 50 + 10 = 60
 *   → { peakBytes: 300, peakAt: "a", liveBytes: [100, 300, 250, 60] }
 * A skip connection keeps its source alive across the layers it jumps over: that is why it costs RAM.
 *
 * Throw an Error (naming the node) when the list is empty, two nodes share a name, a node's bytes are
 * negative or not a number, a consumer is not the name of a node, or a consumer comes at or before the
 * node it reads (the order is not topological).
 */
export function peakLiveBytes(nodes: ActivationNode[]): PeakMemory {
  notImplemented("02.7");
}
