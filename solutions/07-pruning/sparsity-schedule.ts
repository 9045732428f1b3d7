// Lesson 07 exercise 07.2: model solution (see exercises/07-pruning/sparsity-schedule.ts for the task): the
// course's own schedule, course-lib/compress/prune/schedule.ts (TF-MOT's PolynomialDecay).
export { isPruningStep, polynomialSparsity } from "../../course-lib/compress/prune/schedule";
export type { PolynomialSchedule } from "../../course-lib/compress/prune/schedule";
