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
// - If even the smallest network of the grid breaks a budget, it throws an ImpossibleBudgetError: a
//   RangeError whose `budget` names that budget ("flash" | "ram" | "macs"), with `need` (the smallest
//   network's cost) and `limit` (what the budget allows), so callers branch on fields, not on the message.
// - `reserve` keeps bytes of flash and RAM back for the firmware, the inference runtime, stacks and I/O
//   buffers (as boards/budget.ts's checkFit and catalogue.ts's fits() do): the network gets the rest.
// compoundScale is a one-knob baseline for comparison, after EfficientNet's compound scaling (depth
// alpha^phi, width beta^phi, resolution gamma^phi with alpha·beta²·gamma² ≈ 2, i.e. alpha 1.2, beta 1.1,
// gamma 1.15, from a small base network and phi >= 0). Here the resolution is the board's input and stays
// fixed, and the base is the family's default network (PhiNet alpha 1, beta 1, t0 6; XiNet alpha 1,
// gamma 4), which is larger than a microcontroller allows: so phi is usually NEGATIVE (scaling down),
// which EfficientNet never does. Width alpha = 1.1^phi, depth numLayers = round(base * 1.2^phi).
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
import { largestAlpha, type AlphaSearchOptions, type AlphaSearchResult, type CostPoint } from "./invert";

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

/** Bytes kept back from the board's (or budget's) flash and RAM for firmware, runtime, stacks and I/O. */
export interface Reserve {
  flashBytes?: number;
  ramBytes?: number;
}

/**
 * Thrown when even the smallest network of the search breaks a budget. `budget` is the budget that
 * cannot be met, `need` what the smallest network needs of it and `limit` what the budget allows (bytes
 * at the request's precision, or MACs); `smallest` are that network's knobs. A RangeError, so code that
 * catches bad requests generically still catches it.
 */
export class ImpossibleBudgetError extends RangeError {
  readonly budget: BudgetName;
  readonly need: number;
  readonly limit: number;
  readonly family: Family;
  readonly smallest: Record<string, number>;

  constructor(message: string, fields: { budget: BudgetName; need: number; limit: number; family: Family; smallest: Record<string, number> }) {
    super(message);
    this.name = "ImpossibleBudgetError";
    this.budget = fields.budget;
    this.need = fields.need;
    this.limit = fields.limit;
    this.family = fields.family;
    this.smallest = fields.smallest;
  }
}

export interface ScaleRequest {
  family: Family;
  /** Board id from course-lib/boards/catalogue.ts (flash and RAM); `budget` entries override it. */
  board?: string;
  budget?: Partial<ScaleBudget>;
  /** Subtracted from the flash and RAM budgets (default none). */
  reserve?: Reserve;
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
  /** What the network may use: the board's (or given) budgets minus the reserve. */
  budget: ScaleBudget;
  /** The bytes kept back (0 when no reserve was given). */
  reserved: { flashBytes: number; ramBytes: number };
  /** The chosen knobs: alpha, beta, t0 (PhiNet) or alpha, gamma (XiNet). */
  hyperparameters: Record<string, number>;
  /** The shape grids searched: { beta, t0 } (PhiNet) or { gamma } (XiNet); alpha's is alphaStep..alphaMax. */
  grid: Record<string, number[]>;
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

const BUDGET_KEYS: [BudgetName, keyof ScaleBudget][] = [["flash", "flashBytes"], ["ram", "ramBytes"], ["macs", "macs"]];

/** Takes the reserve off a budget; a reserve must be >= 0 and leave something of the budget. */
export function applyReserve(fn: string, budget: ScaleBudget, reserve: Reserve | undefined): { budget: ScaleBudget; reserved: ScaleResult["reserved"] } {
  const reserved = { flashBytes: 0, ramBytes: 0 };
  if (reserve === undefined) return { budget, reserved };
  if (reserve === null || typeof reserve !== "object") throw new RangeError(`${fn}: reserve must be { flashBytes?, ramBytes? }, got ${String(reserve)}`);
  for (const k of Object.keys(reserve)) {
    if (k !== "flashBytes" && k !== "ramBytes") throw new RangeError(`${fn}: unknown reserve entry ${JSON.stringify(k)}; expected flashBytes or ramBytes`);
  }
  const out = { ...budget };
  for (const key of ["flashBytes", "ramBytes"] as const) {
    const r = reserve[key] ?? 0;
    if (typeof r !== "number" || !Number.isFinite(r) || r < 0) throw new RangeError(`${fn}: reserve.${key} must be a finite number of bytes >= 0, got ${String(r)}`);
    if (r >= budget[key]) throw new RangeError(`${fn}: reserve.${key} (${r}) must be less than the ${key} budget (${budget[key]}); nothing would be left for the network`);
    out[key] = budget[key] - r;
    reserved[key] = r;
  }
  return { budget: out, reserved };
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
  const { budget, reserved } = applyReserve(fn, resolveBudget(fn, req.board, req.budget), req.reserve);
  const precision = req.precision ?? "int8";
  if (precision !== "int8" && precision !== "float32") throw new RangeError(`${fn}: precision must be "int8" or "float32", got ${JSON.stringify(precision)}`);
  const step = req.alphaStep ?? 0.05;
  const alphaMax = req.alphaMax ?? 3.0;
  if (!(step > 0) || !(alphaMax >= step)) throw new RangeError(`${fn}: alphaStep must be > 0 and alphaMax >= alphaStep, got ${step} and ${alphaMax}`);
  const base = baseOptions(req);
  const grid: Record<string, number[]> = family === "phinet"
    ? { beta: req.betaGrid ?? [0.5, 0.66, 0.75, 1.0], t0: req.t0Grid ?? [4, 5, 6] }
    : { gamma: req.gammaGrid ?? [2, 3, 4, 6, 8] };
  for (const [knob, values] of Object.entries(grid)) {
    if (!Array.isArray(values) || values.length === 0 || values.some((v) => typeof v !== "number" || !(v > 0))) {
      throw new RangeError(`${fn}: ${knob}Grid must be a non-empty array of numbers > 0, got ${JSON.stringify(values)}`);
    }
  }
  const shapes: Knobs[] = family === "phinet"
    ? grid.beta.flatMap((beta) => grid.t0.map((t0) => ({ beta, t0 })))
    : grid.gamma.map((gamma) => ({ gamma }));
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
    // The budget the smallest networks cannot meet: the first (flash, ram, macs) that even the
    // cheapest shape at the smallest alpha breaks; else (each budget alone can be met, but by different
    // shapes) the budget the least-over smallest network breaks.
    const where = `${fn}: impossible budget for ${family} at input ${JSON.stringify(req.inputShape)}`;
    const units = (name: BudgetName) => (name === "macs" ? "MACs" : `bytes (${precision})`);
    const shortfalls = BUDGET_KEYS.flatMap(([name, key]) => {
      const min = smallest.reduce((m, s) => (s.cost[key] < m.cost[key] ? s : m), smallest[0]);
      return min.cost[key] > budget[key] ? [{ name, key, min }] : [];
    });
    if (shortfalls.length > 0) {
      const lines = shortfalls.map(({ name, key, min }) =>
        `${name} budget ${budget[key]} ${units(name)} cannot be met even by the smallest network (${describe(family, min.knobs)}: ${min.cost[key]} ${units(name)}, ${min.cost[key] - budget[key]} over)`);
      const { name, key, min } = shortfalls[0];
      throw new ImpossibleBudgetError(`${where}: ${lines.join("; ")}`, { budget: name, need: min.cost[key], limit: budget[key], family, smallest: min.knobs });
    }
    const overBy = (s: { cost: MeasuredCost }) => Math.max(...BUDGET_KEYS.map(([, key]) => s.cost[key] / budget[key]));
    const least = smallest.reduce((m, s) => (overBy(s) < overBy(m) ? s : m), smallest[0]);
    const name = broken(least.cost, budget)[0];
    const key = BUDGET_KEYS.find(([n]) => n === name)![1];
    const detail = smallest.map((s) => `${describe(family, s.knobs)} breaks ${broken(s.cost, budget).join("+")}`).join("; ");
    throw new ImpossibleBudgetError(`${where}: every smallest network breaks some budget, though none breaks one alone: ${detail}`,
      { budget: name, need: least.cost[key], limit: budget[key], family, smallest: least.knobs });
  }
  const chosen = candidates.reduce((a, b) => (b.cost.macs > a.cost.macs || (b.cost.macs === a.cost.macs && b.knobs.alpha > a.knobs.alpha) ? b : a));
  const options = { ...base, ...chosen.knobs };
  const { model, measured } = buildMeasured(family, options, precision);
  const over = broken(measured, budget);
  if (over.length > 0) {
    throw new Error(`${fn}: internal error: the built ${describe(family, chosen.knobs)} breaks ${over.join(", ")} although its closed-form cost fits (closed form ${JSON.stringify(chosen.cost)}, measured ${JSON.stringify(measured)})`);
  }
  return {
    family, precision, budget, reserved, hyperparameters: chosen.knobs, grid, options, measured,
    slack: { flashBytes: budget.flashBytes - measured.flashBytes, ramBytes: budget.ramBytes - measured.ramBytes, macs: budget.macs - measured.macs },
    alphaStep: step, next: chosen.next, evaluated, model,
  };
}

export interface CompoundScaleRequest {
  family: Family;
  board?: string;
  budget?: Partial<ScaleBudget>;
  /** Subtracted from the flash and RAM budgets (default none), as in scaleToBoard. */
  reserve?: Reserve;
  inputShape: number[];
  numClasses?: number;
  precision?: Precision;
  /** Width and depth growth per unit of phi (EfficientNet's beta = 1.1 and alpha = 1.2). */
  widthBase?: number;
  depthBase?: number;
  /** phi grid step (default 0.5) over [-32, 16] (1.1^-32 = 0.047: down to the narrowest nets). */
  phiStep?: number;
}

export interface CompoundScaleResult extends Omit<ScaleResult, "next" | "hyperparameters" | "grid"> {
  phi: number;
  hyperparameters: Record<string, number>;
  next: { phi: number; breaks: BudgetName[]; reason: string };
}

/**
 * One-knob scaling for comparison, after EfficientNet's compound scaling but on width and depth only
 * (the input resolution is the board's): from the family's default network (PhiNet alpha 1, beta 1,
 * t0 6, 7 layers; XiNet alpha 1, gamma 4, 5 layers) one knob phi sets alpha = widthBase^phi and
 * numLayers = max(3, round(baseLayers * depthBase^phi)); the largest phi on the grid that fits is built
 * and measured. The base is larger than a microcontroller allows, so phi usually comes out negative:
 * this scales DOWN, where EfficientNet scales a small base up (phi >= 0). It cannot change the base's
 * shape (beta, t0 / gamma) whichever budget binds, which is what scaleToBoard is compared on.
 */
export function compoundScale(req: CompoundScaleRequest): CompoundScaleResult {
  const fn = "compoundScale";
  const family = checkFamily(req.family);
  const { budget, reserved } = applyReserve(fn, resolveBudget(fn, req.board, req.budget), req.reserve);
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
      if (!best) {
        const key = BUDGET_KEYS.find(([n]) => n === b[0])![1];
        throw new ImpossibleBudgetError(
          `${fn}: impossible budget: the smallest buildable ${describe(family, knobs)} (phi ${phi}) already breaks ${b.join(", ")}${firstError ? ` (smaller phi: ${firstError})` : ""}`,
          { budget: b[0], need: cost[key], limit: budget[key], family, smallest: knobs },
        );
      }
      next = { phi, breaks: b, reason: `breaks ${b.join(", ")}` };
      break;
    }
    best = { phi, knobs };
  }
  if (!best) throw new RangeError(`${fn}: no phi on the grid gives a buildable ${family}: ${firstError}`);
  const options = { ...base, ...best.knobs };
  const { model, measured } = buildMeasured(family, options, precision);
  return {
    family, precision, budget, reserved, phi: best.phi, hyperparameters: best.knobs, options, measured,
    slack: { flashBytes: budget.flashBytes - measured.flashBytes, ramBytes: budget.ramBytes - measured.ramBytes, macs: budget.macs - measured.macs },
    alphaStep: NaN, next, evaluated, model,
  };
}

/** A bisection on alpha with invert.ts's largestAlpha signature (the reference or exercise 04.1's). */
export type AlphaSolver = (costAt: (alpha: number) => CostPoint, budget: CostPoint, options?: AlphaSearchOptions) => AlphaSearchResult;

export interface RefinedAlpha {
  /** The solver's alpha and the budgets it found binding. */
  alpha: number;
  binding: BudgetName[];
  /** Closed-form costs the solver asked for. */
  evaluations: number;
  /** The network at that alpha, built and profiled. */
  measured: MeasuredCost;
  /** The built network fits every budget of the result (after its reserve). */
  fits: boolean;
}

/**
 * Refines a scaleToBoard result's alpha beyond its grid step: keeps the chosen shape (beta, t0 or gamma)
 * and budgets, solves for the largest alpha with `solve` (default invert.ts's bisection, options as
 * largestAlpha's) on the closed-form costs, then builds and profiles that network to check it fits.
 */
export function refineAlpha(result: ScaleResult, solve: AlphaSolver = largestAlpha, options: AlphaSearchOptions = {}): RefinedAlpha {
  if (!result || (result.family !== "phinet" && result.family !== "xinet") || !result.options || !result.budget) {
    throw new TypeError("refineAlpha: expected a result of scaleToBoard");
  }
  if (typeof solve !== "function") throw new TypeError(`refineAlpha: solve must be a function like largestAlpha, got ${typeof solve}`);
  let evaluations = 0;
  const costAt = (alpha: number): CostPoint => {
    evaluations++;
    const m = toMeasured(FAMILY_BUILD[result.family].cost({ ...result.options, alpha }), result.precision);
    return { flashBytes: m.flashBytes, ramBytes: m.ramBytes, macs: m.macs };
  };
  const solved = solve(costAt, result.budget, options);
  const { model, measured } = buildMeasured(result.family, { ...result.options, alpha: solved.alpha }, result.precision);
  model.dispose();
  return { alpha: solved.alpha, binding: solved.binding, evaluations, measured, fits: broken(measured, result.budget).length === 0 };
}
