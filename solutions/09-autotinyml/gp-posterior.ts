// Lesson 09 exercise 09.2: model solution (see exercises/09-autotinyml/gp-posterior.ts for the task). It calls
// the course's function, course-lib/search/gp.ts gpPosterior (GPML Algorithm 2.1, no output standardisation),
// whose tests check it against scikit-learn's GaussianProcessRegressor.
import { gpPosterior as courseGpPosterior } from "../../course-lib/search/gp";

export interface GpParams {
  kernel: "rbf" | "matern52";
  amplitude: number;
  lengthScales: number[];
  noise: number;
}

export function gpPosterior(X: number[][], y: number[], Xs: number[][], params: GpParams): { mean: number[]; variance: number[] } {
  return courseGpPosterior(X, y, Xs, params);
}
