// Lesson 11 exercise 11.3: does the keyword spotter keep up with the microphone? From the instructions the
// emulator counted (the front end per frame, the model per inference), how much of the core it needs.
//
// Replace the `notImplemented(...)` line with your code. The course's version is
// course-lib/streaming/real-time.ts (realTimeLoad), which runStreamingOnBoard uses for its `work` report.
// Check your work with `npm run grade -- --only 11.3`.
import { notImplemented } from "../../course-lib/grader/exercise";

export interface RealTimeInput {
  /** Instructions of the front end for one feature frame (one hop of audio). */
  frontEndPerFrame: number;
  /** Instructions of one inference. */
  modelPerInference: number;
  /** Hop between frames in milliseconds (20 in the course). */
  hopMs: number;
  /** A new inference every this many frames (10 = every 200 ms at a 20 ms hop). */
  strideFrames: number;
  /** Core clock in MHz (80 for the STM32L476RG, 72 for the STM32F303K8). */
  clockMHz: number;
  /** Spare factor ≥ 1 the core must keep (default 1). */
  headroom?: number;
}

export interface RealTimeBudget {
  framesPerSecond: number;
  inferencesPerSecond: number;
  /** Instructions per second of audio: front end and model together. */
  instructionsPerSecond: number;
  /** instructionsPerSecond / (clockMHz · 10⁶): the fraction of the core used, at one instruction per cycle. */
  coreFraction: number;
  /** coreFraction · headroom ≤ 1. */
  keepsUp: boolean;
}

/**
 * Exercise 11.3: the load of a streaming keyword spotter.
 *
 *   frames/s        = 1000 / hopMs
 *   inferences/s    = frames/s / strideFrames
 *   instructions/s  = frontEndPerFrame · frames/s + modelPerInference · inferences/s
 *   coreFraction    = instructions/s / (clockMHz · 10⁶)        (QEMU counts instructions, not cycles: an estimate)
 *   keepsUp         = coreFraction · headroom ≤ 1              (headroom defaults to 1)
 *
 *   front end 60 000 per frame, model 400 000 per inference, hop 20 ms, stride 10, 80 MHz:
 *     50 frames/s, 5 inferences/s, 3 000 000 + 2 000 000 = 5 000 000 instructions/s, coreFraction 0.0625, keeps up
 *   the same front end, model 1 500 000, stride 1, 72 MHz: 3 M + 50 · 1.5 M = 78 M/s, coreFraction 78/72 ≈ 1.083: does not keep up
 *   front end 0, model 8 000 000, stride 10, 72 MHz, headroom 2: 40 M/s, coreFraction 40/72 ≈ 0.556, ×2 > 1: does not keep up
 *
 * Throw a RangeError naming the bad value when: frontEndPerFrame or modelPerInference is not a finite number
 * ≥ 0; hopMs or clockMHz is not a positive finite number; strideFrames is not an integer ≥ 1; headroom is given
 * and is not a finite number ≥ 1.
 */
export function realTimeBudget(input: RealTimeInput): RealTimeBudget {
  notImplemented("11.3");
}
