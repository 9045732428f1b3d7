// course-lib/compress/distill: knowledge distillation (lesson 06) in one import for notebooks:
// `import { distill, distillationLoss } from "./course-lib/compress/distill/index"` (tslab needs the /index).
// - loss.ts: the soft-target loss α·T²·KL(teacher ‖ student) + (1 − α)·CE, and the softened softmax;
// - feature-loss.ts: feature (hint) distillation, MSE or cosine, through a learned 1×1 channel adapter;
// - distill.ts: the training loop (fitWithProgress underneath, the teacher's outputs computed once);
// - study.ts: lesson 06's experiment, students from scratch and distilled, over seeds and data sizes.
export { checkAlpha, checkTemperature, crossEntropyFromLogits, distillationLoss, distillationLossTerms, softmaxWithTemperature } from "./loss";
export type { DistillationLossOptions, DistillationLossTerms } from "./loss";
export { alignFeatures, featureAdapter, featureDistillationLoss, FEATURE_LOSS_KINDS, spatialPooling } from "./feature-loss";
export type { FeatureLossKind, FeatureLossOptions } from "./feature-loss";
export { distill } from "./distill";
export type { DistillEpoch, DistillLoss, DistillOptions, DistillResult, FeatureDistillation } from "./distill";
export { distillationStudy, summarizeDistillation } from "./study";
export type { DistillationArm, DistillationRun, DistillationStudyOptions, DistillationSummary } from "./study";
export { distillationChart, distillationFigure, distillationTable, distillationTableOptions } from "./show";
