// course-lib/streaming: lesson 11's keyword spotter on a stream of audio, on an emulated Cortex-M board.
// A C front end (c/frontend.c: window, float32 FFT, sparse mel filterbank, log, the dataset's uint8 rounding,
// the model's int8 input) with tables generated from the TypeScript front end (frontend-tables.ts), a
// streaming app (c/stream_app.c: a ring of the latest 49 frames, an inference every strideFrames frames,
// integer posterior smoothing and detection as detect.ts specifies), and runStreamingOnBoard (device.ts),
// which builds and runs it on QEMU and checks its features, outputs and detections against TypeScript and
// counts the work per frame, per inference and per second of audio (real-time.ts).
export { createDetector, detectKeywords, requiredSum, resolveDetectionOptions } from "./detect";
export type { Detection, DetectionOptions, KeywordDetector, ResolvedDetectionOptions } from "./detect";
export { FEATURE_TOLERANCE, runStreamingOnBoard, streamingInstructions, trainingInputRow } from "./device";
export type { CountSummary, DetectionCheck, DeviceDetection, FeatureCheck, OutputCheck, StreamingMemory, StreamingOptions, StreamingReport, StreamingStage, WorkReport } from "./device";
export { cFloat, frontEndTables, logMelThresholds, logMelToUint8, sparseMelFilterbank } from "./frontend-tables";
export type { FrontEndTableOptions, FrontEndTables, StreamingFeatures } from "./frontend-tables";
export { buildFrontEndHost } from "./host";
export type { FrontEndHost } from "./host";
export { parseStreamOutput } from "./protocol";
export type { StreamDetectionLine, StreamFrameLine, StreamHeader, StreamInferenceLine, StreamOutput } from "./protocol";
export { realTimeLoad } from "./real-time";
export type { RealTimeInput, RealTimeLoad } from "./real-time";
