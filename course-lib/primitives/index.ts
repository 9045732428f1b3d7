// One import for notebooks and later lessons (PhiNet, XiNet): the layer builders, the hard-swish layer and
// the closed-form cost functions of the course's building blocks.
export * from "./layers";
export * from "./cost";
export { HardSwish, hardSwish } from "./hard-swish";
export { singleModel } from "./single";
export { foldBatchNorm, foldBatchNormInto, batchNormParamsOf, type BatchNormParams, type FoldedWeights } from "./batch-norm";
