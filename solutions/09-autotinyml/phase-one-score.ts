// Lesson 09 exercise 09.4: model solution (see exercises/09-autotinyml/phase-one-score.ts for the task). It
// composes the course's functions, course-lib/search/searchers.ts coverage (which checks the width and the
// dimensions) and phaseOneScore. The course's phaseOneScore checks neither the weight nor the decision value,
// and coverage accepts an infinite width, so those checks are made here first.
import { coverage, phaseOneScore as coursePhaseOneScore } from "../../course-lib/search/searchers";

export interface PhaseOneOptions {
  width: number;
  weight: number;
}

export function phaseOneScore(point: number[], tried: number[][], decisionValue: number, options: PhaseOneOptions): number {
  const { width, weight } = options;
  if (typeof width !== "number" || !Number.isFinite(width) || width <= 0) throw new RangeError(`phaseOneScore: width must be a positive finite number, got ${String(width)}`);
  if (typeof weight !== "number" || !Number.isFinite(weight) || weight < 0) throw new RangeError(`phaseOneScore: weight must be a finite number >= 0, got ${String(weight)}`);
  if (typeof decisionValue !== "number" || !Number.isFinite(decisionValue)) {
    throw new RangeError(`phaseOneScore: decisionValue must be a finite number, got ${String(decisionValue)}`);
  }
  return coursePhaseOneScore(decisionValue, coverage(point, tried, width), weight);
}
