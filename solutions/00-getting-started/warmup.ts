// Lesson 00 warm-up exercises: model solutions (see exercises/00-getting-started/warmup.ts for the tasks).

/** What decodePrediction returns (the same shape as in the exercise file). */
export interface DecodedPrediction {
  classIndex: number;
  className: string;
  confidence: number;
}

/** Exercise 00.1: size of a model's weights in KB (1 KB = 1024 bytes). */
export function modelSizeKB(parameterCount: number, bytesPerParameter: number): number {
  if (!Number.isInteger(parameterCount) || parameterCount < 0) {
    throw new RangeError(`parameterCount must be a non-negative whole number, got ${parameterCount}`);
  }
  if (!(bytesPerParameter > 0)) {
    throw new RangeError(`bytesPerParameter must be greater than 0, got ${bytesPerParameter}`);
  }
  return (parameterCount * bytesPerParameter) / 1024;
}

/** Exercise 00.2: fraction of predictions equal to the labels. */
export function accuracy(predicted: ArrayLike<number>, labels: ArrayLike<number>): number {
  if (predicted.length !== labels.length) {
    throw new Error(`predicted has length ${predicted.length} but labels has length ${labels.length}`);
  }
  if (predicted.length === 0) throw new Error("cannot compute the accuracy of empty arrays");
  let correct = 0;
  for (let i = 0; i < predicted.length; i++) {
    if (predicted[i] === labels[i]) correct++;
  }
  return correct / predicted.length;
}

/** Exercise 00.3: the winning class of one row of scores. */
export function decodePrediction(scores: ArrayLike<number>, classNames: readonly string[]): DecodedPrediction {
  if (scores.length === 0) throw new Error("scores is empty");
  if (scores.length !== classNames.length) {
    throw new Error(`scores has length ${scores.length} but classNames has length ${classNames.length}`);
  }
  let best = 0;
  for (let i = 1; i < scores.length; i++) {
    // Strictly greater: on a tie the first index wins.
    if (scores[i] > scores[best]) best = i;
  }
  return { classIndex: best, className: classNames[best], confidence: scores[best] };
}
