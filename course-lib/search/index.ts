// course-lib/search: AutoTinyML (lesson 09) in one import for notebooks:
// `import * as search from "./course-lib/search/index"` (tslab needs the /index).
// Hyperparameter search as black-box optimisation under a black-box deployability constraint:
// - space.ts, sampling.ts: mixed search spaces over one unit cube (integers and categoricals rounded inside
//   the kernel), Sobol and Latin-hypercube designs;
// - gp.ts: Gaussian-process regression (RBF, Matérn 5/2, ML-II), checked against scikit-learn;
// - acquisition.ts: LCB/UCB (μ ∓ √β·σ), GP-UCB's β schedule, EI and log-EI, and the acquisition optimiser;
// - svm.ts: an RBF support-vector classifier (SMO) with signed decision values, checked against scikit-learn;
// - searchers.ts: grid, random, penalty-BO, feasible-only BO and SVM-CBO behind one ask/tell interface;
// - problem.ts, functions.ts, har.ts: the problem interface, public constrained test functions, and the
//   HAR CNN search whose deployability is the int8 model's measured flash and RAM on a board;
// - run.ts, study.ts, cli.ts, show.ts: running searches, the convergence study, `npm run search`, the plots.
export { allConfigs, canonical, checkConfig, checkSpace, configKey, encode, fromUnit, gridConfigs, spaceSize, unitWidth } from "./space";
export type { Config, ConfigValue, Dimension, DimensionType, Space } from "./space";
export { latinHypercube, sobol, SOBOL_MAX_DIMENSIONS } from "./sampling";
export { cholesky, GaussianProcess, gpPosterior, kernelMatrix, logMarginalLikelihood } from "./gp";
export type { GpFitOptions, GpParams, KernelName, KernelParams } from "./gp";
export {
  expectedImprovement, gpUcbBeta, logExpectedImprovement, lowerConfidenceBound, minimiseAcquisition, normalCdf, normalPdf, upperConfidenceBound,
} from "./acquisition";
export type { AcquisitionChoice, AcquisitionSearch } from "./acquisition";
export { SupportVectorClassifier } from "./svm";
export type { SvcOptions } from "./svm";
export { coverage, DEFAULTS, phaseOneScore, SEARCH_METHODS, Searcher } from "./searchers";
export type { ProposalModels, SearcherOptions, SearchMethod, SearchState, Trial, TrialPhase } from "./searchers";
export { checkProblem, checkResult } from "./problem";
export type { EvaluationResult, Problem } from "./problem";
export { FORRESTER, normalisedGap, TEST_FUNCTIONS, testFunction } from "./functions";
export { HAR_BASELINE, HAR_BOARDS, HAR_DEFAULTS, HAR_SPACE, harDeployable, harFootprint, harModel, HarSearch, loadHarData } from "./har";
export type { HarData, HarFootprint, HarSettings } from "./har";
export { bestSoFar, convergence, quantile, repeatSearch, runSearch } from "./run";
export type { ConvergenceSummary, RunOptions, SearchRun } from "./run";
export { gapAfter, testFunctionStudy } from "./study";
export type { FunctionStudy, MethodOutcome, StudyOptions } from "./study";
export { boStepChart, boStepFigure, convergenceChart, convergenceFigure, harTable, harTableOptions, regionChart, regionFigure, regionStepsChart, regionStepsFigure } from "./show";
export type { BoStepOptions, HarRow, RegionOptions } from "./show";
