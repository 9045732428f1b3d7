// "Does it fit?" on plain numbers: a model's footprint (parameters, bytes per parameter, peak activation
// bytes, MACs) against a board's flash, RAM and MAC rate. This is the reference implementation behind
// lesson 01's exercise 01.4; catalogue.ts's fits() answers the same question from a profiled tfjs model
// (where the flash bytes also count int8 per-channel scales and int32 biases, see profiler/profile.ts).
// Both return budgets of the same shape (catalogue.ts's Budget).
import type { Board, Budget, Precision } from "./catalogue";
import type { ModelProfile } from "../profiler/profile";
import type { TableCell } from "../viz/html-table";
import type { UtilisationCell } from "../viz/charts";
import { formatBytes } from "./units";

/** What a model needs, in plain numbers. */
export interface Footprint {
  /** Number of weights stored in flash. */
  params: number;
  /** Bytes per stored weight: 4 for float32, 1 for int8. */
  bytesPerParam: number;
  /** Bytes of activations live at the worst moment of one inference (lives in RAM). */
  peakActivationBytes: number;
  /** Multiply-accumulates of one inference. */
  macs: number;
}

/** What a board offers. */
export interface BoardBudget {
  flashBytes: number;
  ramBytes: number;
  /** Multiply-accumulates per second the board sustains (an order of magnitude is enough). */
  macsPerSecond: number;
  /** Bytes kept back for firmware, the inference runtime, stacks and I/O buffers (default 0). */
  reserve?: { flashBytes?: number; ramBytes?: number };
}

export interface FitCheck {
  flash: Budget;
  ram: Budget;
  /** Both budgets fit. */
  ok: boolean;
  /** macs / macsPerSecond. */
  latencySeconds: number;
}

function nonNegative(value: unknown, what: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new RangeError(`checkFit: ${what} must be a finite number >= 0, got ${String(value)}`);
  }
  return value;
}

function positive(value: unknown, what: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(`checkFit: ${what} must be a finite number > 0, got ${String(value)}`);
  }
  return value;
}

function budget(used: number, capacity: number, reserved: number): Budget {
  const available = capacity - reserved;
  return { used, available, capacity, reserved, slack: available - used, utilisation: used / available, ok: used <= available };
}

/** Flash (weights) and RAM (peak activations) budgets of a footprint on a board, and the latency. */
export function checkFit(footprint: Footprint, board: BoardBudget): FitCheck {
  if (footprint === null || typeof footprint !== "object") throw new RangeError(`checkFit: footprint must be an object, got ${String(footprint)}`);
  if (board === null || typeof board !== "object") throw new RangeError(`checkFit: board must be an object, got ${String(board)}`);
  const params = nonNegative(footprint.params, "footprint.params");
  if (!Number.isInteger(params)) throw new RangeError(`checkFit: footprint.params must be a whole number, got ${params}`);
  const bytesPerParam = positive(footprint.bytesPerParam, "footprint.bytesPerParam");
  const peak = nonNegative(footprint.peakActivationBytes, "footprint.peakActivationBytes");
  const macs = nonNegative(footprint.macs, "footprint.macs");
  const flashBytes = positive(board.flashBytes, "board.flashBytes");
  const ramBytes = positive(board.ramBytes, "board.ramBytes");
  const macsPerSecond = positive(board.macsPerSecond, "board.macsPerSecond");
  const reserveFlash = nonNegative(board.reserve?.flashBytes ?? 0, "board.reserve.flashBytes");
  const reserveRam = nonNegative(board.reserve?.ramBytes ?? 0, "board.reserve.ramBytes");
  if (reserveFlash >= flashBytes) {
    throw new RangeError(`checkFit: board.reserve.flashBytes (${reserveFlash}) must be less than board.flashBytes (${flashBytes})`);
  }
  if (reserveRam >= ramBytes) {
    throw new RangeError(`checkFit: board.reserve.ramBytes (${reserveRam}) must be less than board.ramBytes (${ramBytes})`);
  }
  const flash = budget(params * bytesPerParam, flashBytes, reserveFlash);
  const ram = budget(peak, ramBytes, reserveRam);
  return { flash, ram, ok: flash.ok && ram.ok, latencySeconds: macs / macsPerSecond };
}

/** A catalogue board as a BoardBudget (its order-of-magnitude MAC rate), with an optional reserve. */
export function boardBudget(board: Board, reserve?: BoardBudget["reserve"]): BoardBudget {
  return { flashBytes: board.flashBytes, ramBytes: board.ramBytes, macsPerSecond: board.opsPerSecondOrder, reserve };
}

/**
 * What the course keeps back on every board for everything that is not the network: in flash the
 * firmware and the inference runtime (TensorFlow Lite Micro's core runtime is ~16 KB on a Cortex-M3, ~22 KB
 * with the operators of a keyword-spotting model, per its documentation; startup code, drivers and the
 * application take the rest), in RAM the stack, the runtime's bookkeeping and the I/O buffers. A rule of
 * thumb for a small bare-metal application, not a measurement: measure your own firmware.
 */
export const RUNTIME_RESERVE: Readonly<{ flashBytes: number; ramBytes: number }> = Object.freeze({
  flashBytes: 32 * 1024,
  ramBytes: 4 * 1024,
});

/**
 * The Footprint checkFit takes, from a profile: `params` counts the values stored in flash after batch
 * norm is folded into the conv before it (the profiler's float32 flash ÷ 4 bytes), not model.countParams(),
 * which also counts BN's scale, offset and moving statistics that folding turns into the conv's bias.
 * Peak RAM is the profiler's at that precision.
 */
export function footprintOf(profile: ModelProfile, precision: Precision): Footprint {
  if (precision !== "float32" && precision !== "int8") {
    throw new RangeError(`footprintOf: precision must be "float32" or "int8", got ${JSON.stringify(precision)}`);
  }
  const { flash, peakRam, macs } = profile.totals;
  return { params: flash.float32 / 4, bytesPerParam: precision === "float32" ? 4 : 1, peakActivationBytes: peakRam[precision], macs };
}

/** A table cell for a budget: "42% of 64 KB", green when it fits, red when not, the slack on hover. */
export function budgetCell(b: Budget): TableCell {
  const percent = b.utilisation < 0.01 ? "<1" : (100 * b.utilisation).toFixed(0);
  return {
    text: `${percent}% of ${formatBytes(b.available)}`,
    background: b.ok ? "#e3f4e0" : "#fbe0e0",
    title: `used ${formatBytes(b.used)} of ${formatBytes(b.available)} available: slack ${formatBytes(b.slack)}`,
  };
}

/**
 * The tighter of a check's two budgets (the one with the larger utilisation, flash on a tie) as a
 * utilisation-heatmap cell: its utilisation, whether the whole check fits, and "flash" or "RAM" as the note.
 */
export function tighterBudget(check: FitCheck): UtilisationCell {
  const utilisations = [check?.flash?.utilisation, check?.ram?.utilisation];
  if (!utilisations.every((u) => typeof u === "number" && !Number.isNaN(u))) {
    throw new RangeError(`tighterBudget: expected a FitCheck with numeric flash and ram utilisations, got ${JSON.stringify(check)}`);
  }
  const flashBinds = check.flash.utilisation >= check.ram.utilisation;
  return flashBinds
    ? { utilisation: check.flash.utilisation, ok: check.ok, note: "flash" }
    : { utilisation: check.ram.utilisation, ok: check.ok, note: "RAM" };
}
