// The pipeline's last stage: the deployed int8 graph in the streaming firmware (course-lib/streaming), fed
// raw test audio of the words one after another, as a microphone would deliver it. The clips rotate
// through the 10 words (yes, no, up, ...) so that every run hears different keywords; silence and unknown
// are never reported.
import { join } from "node:path";
import { readFileSync } from "node:fs";
import { resolveConfig } from "../data/audio/features";
import { keywordTrainStats, loadKeywordAudio } from "../data/keywords";
import type { QuantizedGraph } from "../quantize/graph";
import { runStreamingOnBoard } from "../streaming/device";
import { parseStreamOutput } from "../streaming/protocol";
import { STREAM_CLIPS_MAX, type ResolvedPipelineOptions, type StreamStageOptions } from "./options";
import type { StreamSummary } from "./report";
import type { PipelineData } from "./stages";

/** Classes 0 and 1 of the keyword dataset (silence, unknown): never reported as keywords. */
export const NOT_KEYWORDS = [0, 1];

/** Which shipped test clips the stream plays: clip j is the (⌊j/10⌋)-th test clip of word 2 + (j mod 10). */
export async function streamClips(count: number): Promise<{ clips: Int16Array[]; labels: number[]; sourceIndices: number[] }> {
  if (!(Number.isInteger(count) && count >= 1 && count <= STREAM_CLIPS_MAX)) {
    throw new RangeError(`streamClips: count must be an integer in 1..${STREAM_CLIPS_MAX} (4 shipped test clips of each of 10 words), got ${count}`);
  }
  const audio = await loadKeywordAudio({ split: "test", normalize: false, shuffle: false });
  try {
    const samples = audio.inputs.shape[1] as number;
    const data = audio.inputs.dataSync() as Float32Array;
    const clips: Int16Array[] = [];
    const labels: number[] = [];
    const sourceIndices: number[] = [];
    for (let j = 0; j < count; j++) {
      const word = NOT_KEYWORDS.length + (j % 10);
      const nth = Math.floor(j / 10);
      const positions = [...audio.classIndices.keys()].filter((i) => audio.classIndices[i] === word);
      if (nth >= positions.length) throw new RangeError(`streamClips: the shipped audio has ${positions.length} test clips of class ${word}, clip ${j} needs ${nth + 1}`);
      const i = positions[nth];
      clips.push(Int16Array.from(data.subarray(i * samples, (i + 1) * samples)));
      labels.push(word);
      sourceIndices.push(audio.sourceIndices[i]);
    }
    return { clips, labels, sourceIndices };
  } finally {
    audio.inputs.dispose();
    audio.labels.dispose();
  }
}

export async function streamStage(
  o: ResolvedPipelineOptions, s: StreamStageOptions, graph: QuantizedGraph, data: PipelineData, dir: string,
  onProgress?: (detail: string) => void,
): Promise<StreamSummary> {
  const { clips, labels, sourceIndices } = await streamClips(s.clips);
  const r = await runStreamingOnBoard(graph, {
    board: o.board, clips, labels, classNames: data.classNames, features: o.features, normalization: keywordTrainStats(o.features),
    strideFrames: s.strideFrames, detection: { ...s.detection, ignore: NOT_KEYWORDS }, outDir: join(dir, "stream"),
    onProgress: (stage, detail) => onProgress?.(`${stage}${detail ? `: ${detail}` : ""}`),
  });
  if (!r.passed) {
    throw new Error(
      `stream: the streaming firmware does not check out (features within tolerance ${r.features.withinTolerance}, outputs bit-exact ${r.outputs.bitExact}, ` +
        `detections equal ${r.detections.equal}); see ${r.files.report}`,
    );
  }
  // Every inference's raw (unsmoothed) probabilities, for a timeline: the UART holds them. An inference's
  // time is the end of its input window, as for the detections.
  const uart = parseStreamOutput(readFileSync(r.files.uart, "utf8"));
  const audio = resolveConfig();
  const windowEnd = (frame: number) => (frame * audio.frameStep + audio.frameLength) / audio.sampleRate;
  const clipSeconds = clips.map((c) => c.length / audio.sampleRate);
  return {
    clips: clips.length,
    words: labels.map((k) => data.classNames[k]),
    audio: sourceIndices.map((sourceIndex, k) => ({ sourceIndex, label: labels[k], startSeconds: clipSeconds.slice(0, k).reduce((a, b) => a + b, 0), seconds: clipSeconds[k] })),
    detections: r.detections.device.map((d) => ({ timeSeconds: d.atSeconds, keyword: d.label, score: d.score, clip: d.clip })),
    perClip: r.detections.perClip.map((c) => ({ clip: c.clip, word: c.label, detected: c.detected })),
    inferences: uart.inferences.map((inf) => ({ timeSeconds: windowEnd(inf.frame), probabilities: Array.from(inf.output, (q) => (q + 128) / 256) })),
    bitExact: r.outputs.bitExact,
    detectionsMatch: r.detections.equal,
    features: {
      maxAbsDifference: r.features.maxAbsLogMelDelta, differingFraction: r.features.uint8DifferingFraction,
      tolerance: `log-mel |Δ| ≤ ${r.features.tolerance.maxAbsLogMelDelta} (float32 on the device, float64 in TypeScript), ≤ ${r.features.tolerance.uint8DifferingFraction * 100} % of the uint8 values one step apart`,
    },
    instructionsPerSecondOfAudio: r.work.perSecondOfAudio,
    frontEndPerFrame: r.work.frontEndPerFrame.mean,
    modelPerInference: r.work.modelPerInference.mean,
    coreFraction: r.work.realTime.coreFraction,
    keepsUp: r.work.realTime.keepsUp,
    flashBytes: r.memory.flash,
    ramBytes: r.memory.ram,
    audioBytes: r.memory.audioBytes,
  };
}
