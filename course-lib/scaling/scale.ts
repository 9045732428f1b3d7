// Hardware-aware scaling of PhiNet and XiNet: given a board (or explicit budgets) for flash, activation
// RAM and MACs, find the hyperparameters of the largest network of the family that fits, build it, and
// measure it with the profiler. This is the PhiNet paper's idea (invert the cost model for the target's
// memory and compute budget) done by search: the closed-form costs of course-lib/nets (phinet-cost.ts,
// xinet-cost.ts) are cheap, so every point of a grid is costed exactly rather than approximated.
//
// The search (scaleToBoard):
// - alpha runs over a grid alphaStep, 2*alphaStep, ... up to alphaMax (default step 0.05, max 3.0).
// - PhiNet: for every (beta, t0) in the grid (default beta {0.5, 0.66, 0.75, 1.0}, t0 {4, 5, 6}) alpha is
//   increased until the next step breaks a budget (or cannot be built); XiNet likewise for every gamma
//   (default {2, 3, 4, 6, 8}). Of these per-shape maxima the one using the most MACs is returned (ties: the
//   larger alpha, then the grid order). MACs are the proxy for capacity both papers scale with.
// - The returned network is BUILT with tfjs and profiled: the costs reported are measured, and an
//   internal error is raised if the built model does not fit (it never should: the closed form matches
//   the profiler exactly). Maximality: the next alpha step of the chosen (beta, t0) / gamma breaks a
//   budget; which one is reported.
// - If even the smallest network of the grid breaks a budget, the error names that budget, the smallest
//   network's cost and by how much it is over.
// compoundScale is the naive EfficientNet-style alternative for comparison: one knob phi scales width
// (alpha = 1.1^phi) and depth (numLayers = round(base * 1.2^phi)) together from the family's base network.
import * as tf from "@tensorflow/tfjs";
import { getBoard, type Precision } from "../boards/catalogue";
import { profileModel } from "../profiler/profile";
import { NetOptionError } from "../nets/common";
import type { NetCost } from "../nets/ledger";
import { phinet } from "../nets/phinet";
import { phinetCost } from "../nets/phinet-cost";
import type { PhiNetOptions } from "../nets/phinet-plan";
import { xinet } from "../nets/xinet";
import { xinetCost } from "../nets/xinet-cost";
import type { XiNetOptions } from "../nets/xinet-plan";

export type Family = "phinet" | "xinet";
export type BudgetName = "flash" | "ram" | "macs";

export interface ScaleBudget {
  /** Bytes of flash for the weights (after any reserve). */
  flashBytes: number;
  /** Bytes of RAM for activations (after any reserve). */
  ramBytes: number;
  /** Multiply-accumulates per inference; Infinity for no limit. */
  macs: number;
}

export interface ScaleRequest {
  family: Family;
  /** Board id from course-lib/boards/catalogue.ts (flash and RAM); `budget` entries override it. */
  board?: string;
  budget?: Partial<ScaleBudget>;
  /** Input shape as micromind takes it, [C, H, W]. */
  inputShape: number[];
  /** Adds the classification head (global pool + dense) when given. */
  numClasses?: number;
  precision?: Precision;
  /** Other options of the family held fixed (numLayers, downsamplingLayers, baseFilters...). */
  fixed?: Record<string, unknown>;
  alphaStep?: number;
  alphaMax?: number;
  betaGrid?: number[];
  t0Grid?: number[];
  gammaGrid?: number[];
}

export interface MeasuredCost {
  params: number;
  macs: number;
  flashBytes: number;
  ramBytes: number;
  outShape: number[];
}

export interface ScaleResult {
  family: Family;
  precision: Precision;
  budget: ScaleBudget;
  /** The chosen knobs: alpha, beta, t0 (PhiNet) or alpha, gamma (XiNet). */
  hyperparameters: Record<string, number>;
  /** Full options to rebuild the network with phinet() / xinet(). */
  options: Record<string, unknown>;
  /** Measured on the built model by the profiler. */
  measured: MeasuredCost;
  /** Budget minus measured cost, per budget (Infinity when unconstrained). */
  slack: { flashBytes: number; ramBytes: number; macs: number };
  alphaStep: number;
  /** The next alpha step of the same shape, its closed-form cost, and the budgets it breaks. */
  next: { alpha: number; breaks: BudgetName[]; cost: MeasuredCost | null; reason: string };
  /** Number of grid points costed. */
  evaluated: number;
  model: tf.LayersModel;
}

type Knobs = Record<string, number>;

const FAMILY_BUILD = {
  phinet: { cost: (o: Record<string, unknown>) => phinetCost(o as unknown as PhiNetOptions), build: (o: Record<string, unknown>) => phinet(o as unknown as PhiNetOptions) },
  xinet: { cost: (o: Record<string, unknown>) => xinetCost(o as unknown as XiNetOptions), build: (o: Record<string, unknown>) => xinet(o as unknown as XiNetOptions) },
};

function checkFamily(family: unknown): Family {
  if (family !== "phinet" && family !== "xinet") throw new RangeError(`scaleToBoard: family must be "phinet" or "xinet", got ${JSON.stringify(family)}`);
  return family;
}

/** Budgets from the board (flash, RAM) overridden by explicit entries; MACs default to no limit. */
export function resolveBudget(fn: string, board: string | undefined, budget: Partial<ScaleBudget> | undefined): ScaleBudget {
  if (board === undefined && budget === undefined) throw new RangeError(`${fn}: give a board id or a budget { flashBytes, ramBytes, macs }`);
  const b = board !== undefined ? getBoard(board) : undefined;
  const out: ScaleBudget = {
    flashBytes: budget?.flashBytes ?? b?.flashBytes ?? Infinity,
    ramBytes: budget?.ramBytes ?? b?.ramBytes ?? Infinity,
    macs: budget?.macs ?? Infinity,
  };
  for (const [k, v] of Object.entries(out)) {
    if (typeof v !== "number" || Number.isNaN(v) || v <= 0) throw new RangeError(`${fn}: budget.${k} must be a positive number (Infinity for no limit), got ${String(v)}`);
  }
  if (budget) for (const k of Object.keys(budget)) {
    if (!["flashBytes", "ramBytes", "macs"].includes(k)) throw new RangeError(`${fn}: unknown budget entry ${JSON.stringify(k)}; expected flashBytes, ramBytes or macs`);
  }
  return out;
}

function toMeasured(c: NetCost, precision: Precision): MeasuredCost {
  return { params: c.params.trainable, macs: c.macs, flashBytes: c.flash[precision], ramBytes: c.peakRam[precision], outShape: c.outShape };
}

function broken(m: MeasuredCost, b: ScaleBudget): BudgetName[] {
  const out: BudgetName[] = [];
  if (m.flashBytes > b.flashBytes) out.push("flash");
  if (m.ramBytes > b.ramBytes) out.push("ram");
  if (m.macs > b.macs) out.push("macs");
  return out;
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

interface Candidate { knobs: Knobs; cost: MeasuredCost; next: ScaleResult["next"] }

function describe(family: Family, knobs: Knobs): string {
  return `${family} ${Object.entries(knobs).map(([k, v]) => `${k} ${v}`).join(", ")}`;
}

function baseOptions(req: ScaleRequest): Record<string, unknown> {
  const o: Record<string, unknown> = { ...(req.fixed ?? {}), inputShape: req.inputShape };
  if (req.numClasses !== undefined) {
    o.includeTop = true;
    o.numClasses = req.numClasses;
  }
  for (const k of ["alpha", "beta", "t0", "gamma"]) {
    if (req.fixed && k in req.fixed) throw new RangeError(`scaleToBoard: ${k} is searched; remove it from fixed (restrict the grid with ${k === "alpha" ? "alphaMax" : `${k}Grid`} instead)`);
  }
  return o;
}

/** Builds and profiles a network; returns the model and its measured cost. */
function buildMeasured(family: Family, options: Record<string, unknown>, precision: Precision): { model: tf.LayersModel; measured: MeasuredCost } {
  const model = FAMILY_BUILD[family].build(options);
  const p = profileModel(model);
  const measured = {
    params: p.totals.params.trainable, macs: p.totals.macs, flashBytes: p.totals.flash[precision], ramBytes: p.totals.peakRam[precision],
    outShape: model.outputs[0].shape.slice(1) as number[],
  };
  return { model, measured };
}

/** Finds the largest PhiNet / XiNet that fits the budgets (see the header for the search). */
export function scaleToBoard(req: ScaleRequest): ScaleResult {
  const fn = "scaleToBoard";
  const family = checkFamily(req.family);
  const budget = resolveBudget(fn, req.board, req.budget);
  const precision = req.precision ?? "int8";
  if (precision !== "int8" && precision !== "float32") throw new RangeError(`${fn}: precision must be "int8" or "float32", got ${JSON.stringify(precision)}`);
  const step = req.alphaStep ?? 0.05;
  const alphaMax = req.alphaMax ?? 3.0;
  if (!(step > 0) || !(alphaMax >= step)) throw new RangeError(`${fn}: alphaStep must be > 0 and alphaMax >= alphaStep, got ${step} and ${alphaMax}`);
  const base = baseOptions(req);
  const shapes: Knobs[] = family === "phinet"
    ? (req.betaGrid ?? [0.5, 0.66, 0.75, 1.0]).flatMap((beta) => (req.t0Grid ?? [4, 5, 6]).map((t0) => ({ beta, t0 })))
    : (req.gammaGrid ?? [2, 3, 4, 6, 8]).map((gamma) => ({ gamma }));
  const alphas: number[] = [];
  for (let i = 1; round(i * step) <= alphaMax + 1e-9; i++) alphas.push(round(i * step));
  // Fail on option errors that do not depend on the knobs (bad inputShape, unknown fixed option) at once.
  FAMILY_BUILD[family].cost({ ...base, ...shapes[0], alpha: 1 });

  let evaluated = 0;
  const costAt = (knobs: Knobs): MeasuredCost | string => {
    evaluated++;
    try {
      return toMeasured(FAMILY_BUILD[family].cost({ ...base, ...knobs }), precision);
    } catch (e) {
      if (e instanceof NetOptionError) return e.message;
      throw e;
    }
  };
  const candidates: Candidate[] = [];
  /** Smallest buildable network per shape, to explain an impossible budget. */
  const smallest: { knobs: Knobs; cost: MeasuredCost }[] = [];
  for (const shape of shapes) {
    let best: { knobs: Knobs; cost: MeasuredCost } | null = null;
    let started = false;
    for (let i = 0; i < alphas.length; i++) {
      const knobs = { alpha: alphas[i], ...shape };
      const c = costAt(knobs);
      if (typeof c === "string") {
        if (!started) continue; // too narrow to build yet
        candidates.push({ knobs: best!.knobs, cost: best!.cost, next: { alpha: alphas[i], breaks: [], cost: null, reason: `cannot be built: ${c}` } });
        best = null;
        break;
      }
      if (!started) smallest.push({ knobs, cost: c });
      started = true;
      const b = broken(c, budget);
      if (b.length > 0) {
        if (best) candidates.push({ knobs: best.knobs, cost: best.cost, next: { alpha: alphas[i], breaks: b, cost: c, reason: `breaks ${b.join(", ")}` } });
        best = null;
        break;
      }
      best = { knobs, cost: c };
      if (i === alphas.length - 1) {
        candidates.push({ knobs, cost: c, next: { alpha: round(alphas[i] + step), breaks: [], cost: null, reason: `alphaMax ${alphaMax} reached: not maximal, raise alphaMax` } });
        best = null;
      }
    }
  }
  if (candidates.length === 0) {
    if (smallest.length === 0) throw new RangeError(`${fn}: no ${family} on the alpha grid (step ${step} up to ${alphaMax}) can be built with these options`);
    const lines: string[] = [];
    for (const name of ["flash", "ram", "macs"] as BudgetName[]) {
      const key = name === "flash" ? "flashBytes" : name === "ram" ? "ramBytes" : "macs";
      const min = smallest.reduce((m, s) => (s.cost[key] < m.cost[key] ? s : m), smallest[0]);
      const limit = budget[key];
      if (min.cost[key] > limit) {
        const unit = name === "macs" ? "MACs" : `bytes (${precision})`;
        lines.push(`${name} budget ${limit} ${unit} cannot be met even by the smallest network (${describe(family, min.knobs)}: ${min.cost[key]} ${unit}, ${min.cost[key] - limit} over)`);
      }
    }
    if (lines.length === 0) lines.push(`every smallest network breaks some budget, though none breaks one alone: ${smallest.map((s) => `${describe(family, s.knobs)} breaks ${broken(s.cost, budget).join("+")}`).join("; ")}`);
    throw new RangeError(`${fn}: impossible budget for ${family} at input ${JSON.stringify(req.inputShape)}: ${lines.join("; ")}`);
  }
  const chosen = candidates.reduce((a, b) => (b.cost.macs > a.cost.macs || (b.cost.macs === a.cost.macs && b.knobs.alpha > a.knobs.alpha) ? b : a));
  const options = { ...base, ...chosen.knobs };
  const { model, measured } = buildMeasured(family, options, precision);
  const over = broken(measured, budget);
  if (over.length > 0) {
    throw new Error(`${fn}: internal error: the built ${describe(family, chosen.knobs)} breaks ${over.join(", ")} although its closed-form cost fits (closed form ${JSON.stringify(chosen.cost)}, measured ${JSON.stringify(measured)})`);
  }
  return {
    family, precision, budget, hyperparameters: chosen.knobs, options, measured,
    slack: { flashBytes: budget.flashBytes - measured.flashBytes, ramBytes: budget.ramBytes - measured.ramBytes, macs: budget.macs - measured.macs },
    alphaStep: step, next: chosen.next, evaluated, model,
  };
}

export interface CompoundScaleRequest {
  family: Family;
  board?: string;
  budget?: Partial<ScaleBudget>;
  inputShape: number[];
  numClasses?: number;
  precision?: Precision;
  /** Width and depth growth per unit of phi (EfficientNet's beta = 1.1 and alpha = 1.2). */
  widthBase?: number;
  depthBase?: number;
  /** phi grid step (default 0.5) over [-32, 16] (1.1^-32 = 0.047: down to the narrowest nets). */
  phiStep?: number;
}

export interface CompoundScaleResult extends Omit<ScaleResult, "next" | "hyperparameters"> {
  phi: number;
  hyperparameters: Record<string, number>;
  next: { phi: number; breaks: BudgetName[]; reason: string };
}

/**
 * Naive EfficientNet-style scaling for comparison: from the family's base network (PhiNet alpha 1,
 * beta 1, t0 6, 7 layers; XiNet alpha 1, gamma 4, 5 layers) one knob phi sets alpha = widthBase^phi and
 * numLayers = round(baseLayers * depthBase^phi); the largest phi on the grid that fits is built and
 * measured. It ignores which budget binds, so it typically leaves more slack than scaleToBoard.
 */
export function compoundScale(req: CompoundScaleRequest): CompoundScaleResult {
  const fn = "compoundScale";
  const family = checkFamily(req.family);
  const budget = resolveBudget(fn, req.board, req.budget);
  const precision = req.precision ?? "int8";
  const widthBase = req.widthBase ?? 1.1;
  const depthBase = req.depthBase ?? 1.2;
  const step = req.phiStep ?? 0.5;
  const baseLayers = family === "phinet" ? 7 : 5;
  const minLayers = 3;
  const base: Record<string, unknown> = { inputShape: req.inputShape };
  if (req.numClasses !== undefined) {
    base.includeTop = true;
    base.numClasses = req.numClasses;
  }
  const knobsAt = (phi: number): Knobs => {
    const k: Knobs = { alpha: round(Math.pow(widthBase, phi)), numLayers: Math.max(minLayers, Math.round(baseLayers * Math.pow(depthBase, phi))) };
    if (family === "phinet") { k.beta = 1; k.t0 = 6; } else { k.gamma = 4; }
    return k;
  };
  let best: { phi: number; knobs: Knobs } | null = null;
  let next: CompoundScaleResult["next"] = { phi: NaN, breaks: [], reason: "" };
  let evaluated = 0;
  let firstError = "";
  for (let i = Math.round(-32 / step); i * step <= 16; i++) {
    const phi = round(i * step);
    const knobs = knobsAt(phi);
    evaluated++;
    let cost: MeasuredCost;
    try {
      cost = toMeasured(FAMILY_BUILD[family].cost({ ...base, ...knobs }), precision);
    } catch (e) {
      if (!(e instanceof NetOptionError)) throw e;
      if (best) { next = { phi, breaks: [], reason: `cannot be built: ${e.message}` }; break; }
      firstError = e.message;
      continue;
    }
    const b = broken(cost, budget);
    if (b.length > 0) {
      if (!best) throw new RangeError(`${fn}: impossible budget: the smallest buildable ${describe(family, knobs)} (phi ${phi}) already breaks ${b.join(", ")}${firstError ? ` (smaller phi: ${firstError})` : ""}`);
      next = { phi, breaks: b, reason: `breaks ${b.join(", ")}` };
      break;
    }
    best = { phi, knobs };
  }
  if (!best) throw new RangeError(`${fn}: no phi on the grid gives a buildable ${family}: ${firstError}`);
  const options = { ...base, ...best.knobs };
  const { model, measured } = buildMeasured(family, options, precision);
  return {
    family, precision, budget, phi: best.phi, hyperparameters: best.knobs, options, measured,
    slack: { flashBytes: budget.flashBytes - measured.flashBytes, ramBytes: budget.ramBytes - measured.ramBytes, macs: budget.macs - measured.macs },
    alphaStep: NaN, next, evaluated, model,
  };
}
