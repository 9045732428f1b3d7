// course-lib/compress/prune: pruning (lesson 07) in one import for notebooks:
// `import * as prune from "./course-lib/compress/prune/index"` (tslab needs the /index).
// Each method ends in a measured saving or in an honest "this saves nothing until ...":
// - magnitude.ts, schedule.ts, pruner.ts: unstructured magnitude masks (per layer or global, an exact count,
//   a stated tie rule), Zhu & Gupta's gradual schedule, hard or soft pruning during training;
// - sensitivity.ts: accuracy against sparsity for each layer alone, on a validation split;
// - storage.ts: the flash an int8 layer takes dense, as a bitmask, CSR or run-length, index bytes included;
// - channels.ts, criteria.ts, structured.ts: filters ranked by L1, L2 or energy (nuclear norm) and removed,
//   with the couplings (batch norm, depthwise, squeeze-and-excite, residual adds) respected and the removed
//   channels' constants folded, giving a physically smaller model;
// - layer-drop.ts: training with whole residual blocks dropped, and removing blocks afterwards;
// - rebuild.ts: the one model surgery all of them use; study.ts, show.ts, lesson.ts: lesson 07's experiments.
export { applyMasks, magnitudeMask, magnitudeMasks, magnitudePrune, prunableWeights, sparsityReport, TIE_RULES } from "./magnitude";
export type { LayerSelection, LayerSparsity, MaskOptions, Masks, PrunableWeight, PruningScope, SparsityReport, TieRule } from "./magnitude";
export { checkSparsity, isPruningStep, polynomialSparsity } from "./schedule";
export type { PolynomialSchedule } from "./schedule";
export { Pruner, pruneDuringTraining } from "./pruner";
export type { PruneDuringTrainingResult, PrunerOptions, PruningMode } from "./pruner";
export { DEFAULT_SCAN_SPARSITIES, sensitivityChart, sensitivityScan, suggestSparsities } from "./sensitivity";
export type { SensitivityCurve, SensitivityOptions, SensitivityScan } from "./sensitivity";
export { blockDropScan, dropBlocks, everyOtherBlock, LayerDropAdd, leastImportantBlocks, residualBlocks, withLayerDrop } from "./layer-drop";
export type { BlockDropScan, ResidualBlock } from "./layer-drop";
export { consumersOf, inboundLayers, rebuildModel } from "./rebuild";
export type { LayerEdit, RebuildOptions } from "./rebuild";
export { channelGroups } from "./channels";
export type { ChannelGroup, ChannelGroupOptions } from "./channels";
export { channelsToKeep, FILTER_CRITERIA, filterScores, keptCount, l1FilterRanking, nuclearNorm } from "./criteria";
export { channelPrune, maskChannels, permuteChannels, planChannelPruning, removeChannels } from "./structured";
export type { ChannelPlan, ChannelPruneOptions, FilterCriterion, PlannedGroup, RemoveOptions } from "./structured";
export { breakEvenSparsity, csrBytes, decodeSparse, encodeSparse, layerStorage, MCU_SPARSITY_NOTE, SPARSE_FORMATS, storageBytes, storageTable, storageTableOptions, weightMatrices } from "./storage";
export type { EncodedSparse, GraphStorage, LayerStorage, SparseFormat, WeightMatrix } from "./storage";
export { copyModel, GRADUAL_RAMP, layerDropStudy, storageCurve, structuredStudy, structuredTiming, summarizeLayerDrop, summarizeStructured, summarizeUnstructured, unstructuredStudy, UNSTRUCTURED_METHODS } from "./study";
export type { InferenceTiming, LayerDropRun, LayerDropSummary, SeededModel, StorageCurve, StructuredArm, StructuredRun, StructuredSummary, UnstructuredMethod, UnstructuredRun, UnstructuredSummary } from "./study";
export { kernelValues, layerDropTable, layerDropTableOptions, structuredChart, structuredFigure, structuredTable, structuredTableOptions, unstructuredChart, unstructuredFigure, unstructuredTable, unstructuredTableOptions, weightHistogram, weightHistogramFigure } from "./show";
