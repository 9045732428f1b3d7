// course-lib/quantize: int8 quantization as TensorFlow Lite Micro runs it, in one import for notebooks and
// tools: `import { quantizeModel, runQuantized } from "./course-lib/quantize/index"` (tslab needs the /index).
//
// Data flow. A float tfjs model and a batch of representative inputs go into quantizeModel(), which folds
// batch norm, calibrates activation ranges (calibrate.ts) and returns a QuantizedGraph (graph.ts): plain,
// JSON-able data in TFLite's layouts and int8 scheme. Everything downstream reads that one structure:
// - runQuantized() (interpreter.ts): the integer reference interpreter, bit-exact with TFLM's kernels;
// - exportTflite() / readTflite() (tflite/): a .tflite flatbuffer that TFLite, TFLM and Arm NN run, and back;
// - quantizedFootprint() (profiler/quantized.ts): the exact int8 flash and activation memory;
// - next, lesson 10's C generator, which compiles the same graph for Cortex-M boards.
// Simulated quantization for what int8 cannot express (2-8 bits, power-of-two weights) is fake-quant.ts, QAT
// on top of it qat.ts, and lesson 08's bit-width/QAT experiment bit-width-study.ts. The fixed-point
// primitives (fixed-point.ts) are exported too: they are the arithmetic every kernel shares.
//
// `roundHalfAway` is defined once (fixed-point.ts); calibrate.ts and fake-quant.ts re-export it for their
// users and it is exported here once. The type `Range` is calibrate.ts's (qat.ts uses it too).

export type { DType, FusedActivation, GraphOp, GraphOpKind, GraphTensor, Padding, QuantParams, QuantizedGraph } from "./graph";

export {
  foldMeanMultiplier,
  frexp,
  multiplyByQuantizedMultiplier,
  multiplyByQuantizedMultiplierDouble,
  multiplyByQuantizedMultiplierSingle,
  quantizeMultiplier,
  quantizeMultiplierSmallerThanOneExp,
  requantizer,
  roundingDivideByPOT,
  saturatingRoundingDoublingHighMul,
} from "./fixed-point";
export type { QuantizedMultiplier, Rounding } from "./fixed-point";

export { clearQuantizedCache, prepareQuantized, runQuantized, runQuantizedBatch, runQuantizedTrace } from "./interpreter";
export type { PreparedOp, QuantizedPlan, QuantizedTrace, RunQuantizedOptions, TraceStep } from "./interpreter";

export { dequantizeOutput, evaluateQuantized, quantizationPlan, quantizeInput, quantizeModel } from "./quantize-model";
export type { EvaluateOptions, FloatPlan, QuantizationPlan, QuantizeOptions, WeightGranularity } from "./quantize-model";

export {
  activationParams,
  CALIBRATION_METHODS,
  calibrateActivations,
  fitRangeToScale,
  histogramQuantError,
  layerOutputProbes,
  MIN_ACTIVATION_SCALE,
  mseRange,
  paramsRange,
  percentileRange,
  roundHalfAway,
} from "./calibrate";
export type { ActivationParams, CalibrationMethod, CalibrationOptions, Histogram, Probe, Range } from "./calibrate";

export {
  additivePowerOfTwoMagnitudes,
  cloneModel,
  fakeQuantize,
  fakeQuantizeAsymmetric,
  fakeQuantizeKernel,
  fakeQuantizeModelWeights,
  fakeQuantizeValues,
  KERNEL_NAMES,
  powerOfTwoMagnitudes,
  quantizeAdditivePowerOfTwo,
  quantizePowerOfTwo,
  quantizerLevels,
  quantizeUniformAsymmetric,
  quantizeUniformSymmetric,
  symmetricScale,
  uniformAsymmetricParams,
} from "./fake-quant";
export type { FakeQuantOptions, FakeQuantScheme, FakeQuantWeightsOptions } from "./fake-quant";

export { FakeQuantActivation, fakeQuantWithClippedSte, prepareQat, quantizationAwareTraining } from "./qat";
export type { FakeQuantActivationArgs, QatLoss, QatOptions, QatPlacement, QatResult, QatSession } from "./qat";
export { batchNormFolds, foldBatchNormLayers } from "./fold";
export type { BatchNormFold } from "./fold";

export { bitWidthSweep, formatAccuracyTable, FULL_STUDY, lowBitStudy, NOTEBOOK_STUDY, qatVsPtq, studyCnn } from "./bit-width-study";
export type { AccuracyRow, BitWidthSweepOptions, LowBitStudySettings, QatVsPtqOptions, QatVsPtqResult, StudyData, StudyOptions } from "./bit-width-study";

export { checkGraphForExport, exportTflite, PROVENANCE_METADATA, TFLITE_DESCRIPTION } from "./tflite/writer";
export { readTflite } from "./tflite/reader";
export type { ReadTfliteOptions } from "./tflite/reader";

export { activationMemory, alignUp, ARENA_ALIGNMENT, quantizedFlash, quantizedFootprint } from "../profiler/quantized";
export type { ActivationBuffer, OperatorLiveness, QuantizedActivationMemory, QuantizedFlash, QuantizedFootprint } from "../profiler/quantized";

export { CALIBRATION_MAX, lesson00TinyCnn, lesson02ThreeConvs, lesson05MotionRaw, lesson05MotionStats, lesson05TinyCnn, lessonModel, lessonModels, liveBatchNorms } from "./lesson-models";
export type { LessonModel } from "./lesson-models";
export { formatSizeTable, modelSizes } from "./size-report";
export type { ModelSizesOptions, SizeRow } from "./size-report";
