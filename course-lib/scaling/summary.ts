// How lesson 04 reports the results of scale.ts's searches: the knobs as the lecture writes them
// ("α 0.6, β 0.75, t₀ 4"), a result's cost as the CostPoint that invert.ts's budgetUtilisation (and
// exercise 04.2) take, in words the budget that stopped the search or could not be met, and the knobs
// that sit at an edge of the searched grid.
import { formatBytes, formatCount } from "../boards/units";
import type { CostPoint } from "./invert";
import type { BudgetName, ImpossibleBudgetError } from "./scale";

/** Greek letters (and short names) of the knobs, as the lecture and the papers write them. */
export const KNOB_SYMBOLS: Readonly<Record<string, string>> = Object.freeze({
  alpha: "α", beta: "β", t0: "t₀", gamma: "γ", numLayers: "layers", phi: "φ",
});

/** The knobs of a result, e.g. `knobText({ alpha: 0.6, beta: 0.75, t0: 4 })` is "α 0.6, β 0.75, t₀ 4". */
export function knobText(knobs: Record<string, number>): string {
  if (knobs === null || typeof knobs !== "object") throw new TypeError(`knobText: expected knobs like { alpha: 0.6 }, got ${String(knobs)}`);
  return Object.entries(knobs)
    .map(([name, value]) => {
      if (typeof value !== "number" || !Number.isFinite(value)) {
        throw new TypeError(`knobText: knob ${name} must be a finite number, got ${String(value)}`);
      }
      // Three decimals are enough for grid values; drop trailing zeros ("0.66", not "0.660").
      return `${KNOB_SYMBOLS[name] ?? name} ${Number(value.toFixed(3))}`;
    })
    .join(", ");
}

/** A scale result's measured flash, RAM and MACs as a CostPoint (what budgetUtilisation takes). */
export function costPointOf(result: { measured: CostPoint }): CostPoint {
  const m = result?.measured;
  if (!m || typeof m !== "object") throw new TypeError("costPointOf: expected a result of scaleToBoard or compoundScale (with .measured)");
  return { flashBytes: m.flashBytes, ramBytes: m.ramBytes, macs: m.macs };
}

/** The part of a result bindingOf reads: why the search stopped. */
export interface StoppedResult {
  hyperparameters: Record<string, number>;
  next: { breaks: BudgetName[]; reason: string };
}

/**
 * What stopped a search, in words: the budgets the next step breaks ("ram", "flash + macs"), or
 * "α grid ends (α 3)" when the largest α of the grid still fits (the network is then not maximal),
 * or the reason the next step cannot be built.
 */
export function bindingOf(result: StoppedResult): string {
  const next = result?.next;
  if (!next || !Array.isArray(next.breaks) || typeof next.reason !== "string") {
    throw new TypeError("bindingOf: expected a result of scaleToBoard or compoundScale (with .next.breaks and .next.reason)");
  }
  if (next.breaks.length > 0) return next.breaks.join(" + ");
  if (next.reason.startsWith("alphaMax")) return `α grid ends (α ${result.hyperparameters.alpha})`;
  return next.reason;
}

/**
 * The shape knobs of a scaleToBoard result that sit at an end of their grid, e.g.
 * ["t₀ 4 (grid minimum)", "β 1 (grid maximum)"]: there the grid, not a budget, may have decided, and a
 * wider grid can find a larger network. A knob whose grid has one value is not reported.
 */
export function gridEdgesOf(result: { hyperparameters: Record<string, number>; grid: Record<string, number[]> }): string[] {
  if (!result || typeof result.grid !== "object" || result.grid === null) {
    throw new TypeError("gridEdgesOf: expected a result of scaleToBoard (with .grid)");
  }
  const edges: string[] = [];
  for (const [knob, values] of Object.entries(result.grid)) {
    const value = result.hyperparameters[knob];
    if (typeof value !== "number") throw new RangeError(`gridEdgesOf: the result has a ${knob} grid but no ${knob} value`);
    if (values.length < 2) continue;
    const symbol = `${KNOB_SYMBOLS[knob] ?? knob} ${Number(value.toFixed(3))}`;
    if (value === Math.min(...values)) edges.push(`${symbol} (grid minimum)`);
    else if (value === Math.max(...values)) edges.push(`${symbol} (grid maximum)`);
  }
  return edges;
}

/**
 * An ImpossibleBudgetError in a few words for a table cell, e.g.
 * "ram: the smallest network needs 33.8 KB, 12 KB allowed" (bytes 1024-based; MACs with SI prefixes).
 */
export function impossibleText(error: Pick<ImpossibleBudgetError, "budget" | "need" | "limit">): string {
  if (!error || !["flash", "ram", "macs"].includes(error.budget)) {
    throw new TypeError(`impossibleText: expected an ImpossibleBudgetError (with .budget flash, ram or macs), got ${String(error)}`);
  }
  const amount = error.budget === "macs" ? (n: number) => `${formatCount(n)} MACs` : (n: number) => formatBytes(n);
  return `${error.budget}: the smallest network needs ${amount(error.need)}, ${amount(error.limit)} allowed`;
}
