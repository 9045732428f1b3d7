// The gradual pruning schedule of Zhu & Gupta (2017), "To prune or not to prune", as TF-MOT implements it
// (tfmot.sparsity.keras.PolynomialDecay): the target sparsity rises from s_i to s_f between two steps,
// fast at first and slowly near the end,
//   s(t) = s_f + (s_i − s_f) · (1 − p)^power,   p = clip((t − begin) / (end − begin), 0, 1),   power 3,
// and the masks are recomputed only every `frequency` steps inside [begin, end]. Before `begin` the
// target is s_i and after `end` it stays s_f (the masks freeze). Zhu & Gupta found any frequency between
// 100 and 1000 steps made "negligible" difference; short runs in the notebook use a smaller one.

export interface PolynomialSchedule {
  initialSparsity: number;
  finalSparsity: number;
  beginStep: number;
  endStep: number;
  /** Exponent of the decay, default 3 (Zhu & Gupta's cubic). */
  power?: number;
  /** Masks are recomputed every `frequency` steps from beginStep, default 100 (TF-MOT's). */
  frequency?: number;
}

/** Throws unless `s` is a sparsity in [0, 1) (1 would remove every weight). */
export function checkSparsity(s: unknown, what = "sparsity"): number {
  if (typeof s !== "number" || !(s >= 0 && s < 1)) throw new RangeError(`${what} must be a number in [0, 1), got ${typeof s === "string" ? JSON.stringify(s) : String(s)}`);
  return s;
}

/** True for a PolynomialSchedule-shaped object (as opposed to a number or a per-layer record). */
export function isSchedule(x: unknown): x is PolynomialSchedule {
  return typeof x === "object" && x !== null && "finalSparsity" in x;
}

/** Validates a schedule and fills in the defaults. */
export function checkSchedule(schedule: PolynomialSchedule): Required<PolynomialSchedule> {
  const fn = "PolynomialSchedule";
  if (!isSchedule(schedule)) throw new TypeError(`${fn}: expected { initialSparsity, finalSparsity, beginStep, endStep }, got ${JSON.stringify(schedule)}`);
  const initialSparsity = checkSparsity(schedule.initialSparsity, `${fn}: initialSparsity`);
  const finalSparsity = checkSparsity(schedule.finalSparsity, `${fn}: finalSparsity`);
  if (initialSparsity > finalSparsity) throw new RangeError(`${fn}: initialSparsity (${initialSparsity}) must not exceed finalSparsity (${finalSparsity})`);
  const { beginStep, endStep } = schedule;
  if (!Number.isInteger(beginStep) || beginStep < 0) throw new RangeError(`${fn}: beginStep must be an integer >= 0, got ${String(beginStep)}`);
  if (!Number.isInteger(endStep) || endStep <= beginStep) throw new RangeError(`${fn}: endStep must be an integer > beginStep (${beginStep}), got ${String(endStep)}`);
  const power = schedule.power ?? 3;
  if (typeof power !== "number" || !(power > 0) || !Number.isFinite(power)) throw new RangeError(`${fn}: power must be a number > 0, got ${String(power)}`);
  const frequency = schedule.frequency ?? 100;
  if (!Number.isInteger(frequency) || frequency < 1) throw new RangeError(`${fn}: frequency must be an integer >= 1, got ${String(frequency)}`);
  return { initialSparsity, finalSparsity, beginStep, endStep, power, frequency };
}

function checkStep(step: unknown, fn: string): number {
  if (typeof step !== "number" || !Number.isInteger(step) || step < 0) throw new RangeError(`${fn}: step must be an integer >= 0, got ${String(step)}`);
  return step;
}

/** The target sparsity at `step` (TF-MOT PolynomialDecay). */
export function polynomialSparsity(step: number, schedule: PolynomialSchedule): number {
  const s = checkSchedule(schedule);
  checkStep(step, "polynomialSparsity");
  const p = Math.min(1, Math.max(0, (step - s.beginStep) / (s.endStep - s.beginStep)));
  return s.finalSparsity + (s.initialSparsity - s.finalSparsity) * (1 - p) ** s.power;
}

/** Whether the masks are recomputed at `step`: begin ≤ step ≤ end and (step − begin) a multiple of frequency. */
export function isPruningStep(step: number, schedule: PolynomialSchedule): boolean {
  const s = checkSchedule(schedule);
  checkStep(step, "isPruningStep");
  return step >= s.beginStep && step <= s.endStep && (step - s.beginStep) % s.frequency === 0;
}
