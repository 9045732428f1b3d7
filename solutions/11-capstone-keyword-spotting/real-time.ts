// Lesson 11 exercise 11.3: model solution (see exercises/11-capstone-keyword-spotting/real-time.ts for the
// task). It is the course's course-lib/streaming/real-time.ts realTimeLoad, which checks the input itself;
// only the fields the exercise asks for are returned.
import { realTimeLoad } from "../../course-lib/streaming/real-time";

export interface RealTimeInput {
  frontEndPerFrame: number;
  modelPerInference: number;
  hopMs: number;
  strideFrames: number;
  clockMHz: number;
  headroom?: number;
}

export interface RealTimeBudget {
  framesPerSecond: number;
  inferencesPerSecond: number;
  instructionsPerSecond: number;
  coreFraction: number;
  keepsUp: boolean;
}

export function realTimeBudget(input: RealTimeInput): RealTimeBudget {
  const load = realTimeLoad(input);
  return {
    framesPerSecond: load.framesPerSecond,
    inferencesPerSecond: load.inferencesPerSecond,
    instructionsPerSecond: load.instructionsPerSecond,
    coreFraction: load.coreFraction,
    keepsUp: load.keepsUp,
  };
}
