// The one problem interface every searcher works on, toy function or real training run:
//
//   const problem: Problem = {
//     name: "rosenbrock-disk",
//     space: [{ name: "x", type: "real", low: -1.5, high: 1.5 }, { name: "y", type: "real", low: -1.5, high: 1.5 }],
//     evaluate: ({ x, y }) => (x * x + y * y <= 2 ? { feasible: true, value: ... } : { feasible: false }),
//   };
//
// `evaluate` is a partially defined function (Candelieri 2019): where a configuration is not feasible (does
// not deploy, does not train) it has no value at all, rather than a bad one. Searchers minimise `value`.
// A NaN or infinite value is an error, never a score: mapping it to 0 (as KerasTuner does) or to any number
// tells the surrogate something false about the objective there; say `feasible: false` instead.
import { checkSpace, Config, Space } from "./space";

export interface EvaluationResult {
  feasible: boolean;
  /** The objective (minimised), present exactly when feasible. */
  value?: number;
  /** Anything worth keeping with the trial (accuracy, flash, RAM, why it was infeasible). JSON-serialisable. */
  info?: Record<string, unknown>;
}

export interface Problem {
  name: string;
  space: Space;
  evaluate(config: Config): EvaluationResult | Promise<EvaluationResult>;
  /** The known optimum, for the gap metric of the test functions. */
  optimum?: { value: number; config?: Config };
  /** One sentence on what is searched. */
  description?: string;
}

/** Checks a problem object (a module's default export, say), naming what is missing. */
export function checkProblem(problem: unknown, where = "problem"): Problem {
  if (problem === null || typeof problem !== "object") throw new RangeError(`${where} must be an object { name, space, evaluate }, got ${String(problem)}`);
  const p = problem as Partial<Problem>;
  if (typeof p.name !== "string" || p.name === "") throw new RangeError(`${where}: name must be a non-empty string, got ${JSON.stringify(p.name)}`);
  if (typeof p.evaluate !== "function") throw new RangeError(`${where} ${JSON.stringify(p.name)} has no evaluate(config) function (got ${typeof p.evaluate})`);
  checkSpace(p.space as Space, `${where} ${JSON.stringify(p.name)}: space`);
  return p as Problem;
}

/** Checks what evaluate returned for `config`; the error names the problem, the configuration and the value. */
export function checkResult(problemName: string, config: Config, result: unknown): EvaluationResult {
  const at = `problem ${JSON.stringify(problemName)} at ${JSON.stringify(config)}`;
  if (result === null || typeof result !== "object") throw new RangeError(`${at}: evaluate must return { feasible, value? }, got ${String(result)}`);
  const r = result as EvaluationResult;
  if (typeof r.feasible !== "boolean") throw new RangeError(`${at}: feasible must be true or false, got ${JSON.stringify(r.feasible)}`);
  if (r.feasible) {
    if (typeof r.value !== "number") throw new RangeError(`${at}: a feasible result needs a numeric value, got ${JSON.stringify(r.value)}`);
    if (!Number.isFinite(r.value)) {
      throw new RangeError(
        `${at}: the objective is ${r.value}; NaN or infinite values are not scores (mapping them to a number would mislead the surrogate): return { feasible: false } where the objective is undefined`,
      );
    }
  } else if (r.value !== undefined) {
    throw new RangeError(`${at}: an infeasible result has no value (the function is undefined there), got value ${JSON.stringify(r.value)}`);
  }
  return r;
}
