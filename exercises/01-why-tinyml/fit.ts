// Lesson 01 exercise 01.4: does a model fit a board?
//
// Replace the `notImplemented(...)` line with your code. Until you do, notebooks/01-why-tinyml.ipynb
// prints "exercise 01.4 not implemented yet: showing the reference" and uses the course's own version
// (course-lib/boards/budget.ts). Check your work with `npm run grade -- --only 01.4`.
//
import { notImplemented } from "../../course-lib/grader/exercise";

/** What a model needs, in plain numbers. */
export interface Footprint {
  /**
   * Number of weights stored in flash. checkFit counts whatever it is given: tfjs's countParams() includes
   * batch norm's 4 numbers per channel, while a deployed model folds batch norm into the conv before it
   * (1 bias per channel remains), so the profiler's flash figure for the same model is smaller.
   */
  params: number;
  /** Bytes per stored weight: 4 for float32, 1 for int8. */
  bytesPerParam: number;
  /** Bytes of activations live at the worst moment of one inference (they live in RAM). */
  peakActivationBytes: number;
  /** Multiply-accumulates of one inference. */
  macs: number;
}

/** What a board offers. */
export interface BoardBudget {
  flashBytes: number;
  ramBytes: number;
  /** Multiply-accumulates per second the board sustains. */
  macsPerSecond: number;
  /** Bytes kept back for the firmware, the inference runtime, stacks and I/O buffers (absent = 0). */
  reserve?: { flashBytes?: number; ramBytes?: number };
}

/** One budget (flash or RAM). */
export interface Budget {
  /** Bytes the model needs. */
  used: number;
  /** capacity - reserved: what the model may use. */
  available: number;
  /** The board's total bytes. */
  capacity: number;
  /** Bytes kept back (0 when no reserve is given). */
  reserved: number;
  /** available - used: negative when it does not fit. */
  slack: number;
  /** used / available (1.0 = exactly full). */
  utilisation: number;
  /** used <= available. */
  ok: boolean;
}

export interface FitCheck {
  flash: Budget;
  ram: Budget;
  /** Both budgets are ok. */
  ok: boolean;
  /** macs / macsPerSecond. */
  latencySeconds: number;
}

/**
 * Exercise 01.4: check a model's footprint against a board.
 *
 * TODO: return the two budgets and the latency:
 *   - flash: the weights, used = params × bytesPerParam, capacity = board.flashBytes;
 *   - RAM:   the activations, used = peakActivationBytes, capacity = board.ramBytes;
 *   - each budget's reserved is board.reserve?.flashBytes / ramBytes (0 when absent), available =
 *     capacity - reserved, slack = available - used, utilisation = used / available, ok = used <= available;
 *   - ok is true when both budgets are ok; latencySeconds = macs / macsPerSecond.
 *
 *   checkFit({ params: 100_000, bytesPerParam: 1, peakActivationBytes: 40_000, macs: 5e6 },
 *            { flashBytes: 1_048_576, ramBytes: 131_072, macsPerSecond: 1e8 })
 *   → flash { used: 100000, available: 1048576, capacity: 1048576, reserved: 0, slack: 948576, utilisation: 0.0953..., ok: true }
 *     ram   { used: 40000, available: 131072, ..., slack: 91072, ok: true },  ok: true,  latencySeconds: 0.05
 *
 * Throw a RangeError naming the field and its bad value when:
 *   - params is negative or not a whole number; peakActivationBytes or macs is negative or not finite;
 *   - bytesPerParam, flashBytes, ramBytes or macsPerSecond is not a finite number greater than 0;
 *   - a reserve is negative, or not smaller than the capacity it is taken from (nothing would be left).
 */
export function checkFit(footprint: Footprint, board: BoardBudget): FitCheck {
  notImplemented("01.4");
}
