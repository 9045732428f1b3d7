// Lesson 11 exercise 11.1: model solution (see exercises/11-capstone-keyword-spotting/posterior-smoothing.ts
// for the task). It is the course's detector (course-lib/streaming/detect.ts), which checks the options and
// scores itself; only the fields the exercise asks for are returned.
import { detectKeywords as courseDetectKeywords } from "../../course-lib/streaming/detect";

export interface SmoothingOptions {
  window: number;
  threshold: number;
  suppression: number;
  ignore?: number[];
}

export interface KeywordDetection {
  inference: number;
  class: number;
  score: number;
}

export function detectKeywords(scores: number[][], options: SmoothingOptions): KeywordDetection[] {
  return courseDetectKeywords(scores, options).map((d) => ({ inference: d.inference, class: d.class, score: d.score }));
}
