// Small, dependency-free metrics and size arithmetic used across the course.
//
// These are also the reference implementations behind lesson 00's warm-up exercises: the notebook calls
// the learner's version through withReference() and falls back to these while the exercise is a stub.
// They work on plain arrays (not tensors) so they are easy to read, test and reuse on a microcontroller's
// exported predictions.

/** Bytes in a kilobyte as microcontroller datasheets count them (256 KB of SRAM = 262,144 bytes). */
export const BYTES_PER_KB = 1024;

/** Storage per parameter for the number formats the course uses. */
export const BYTES_PER_PARAMETER = { float32: 4, float16: 2, int8: 1 } as const;

/**
 * How many kilobytes the weights of a model take: parameterCount x bytesPerParameter / 1024.
 * float32 weights take 4 bytes each, int8-quantised weights 1 byte (lesson 08).
 */
export function modelSizeKB(parameterCount: number, bytesPerParameter: number): number {
  if (!Number.isInteger(parameterCount) || parameterCount < 0) {
    throw new RangeError(`parameterCount must be a non-negative integer, got ${parameterCount}`);
  }
  if (typeof bytesPerParameter !== "number" || !Number.isFinite(bytesPerParameter) || bytesPerParameter <= 0) {
    throw new RangeError(`bytesPerParameter must be a positive number (4 for float32, 1 for int8), got ${bytesPerParameter}`);
  }
  return (parameterCount * bytesPerParameter) / BYTES_PER_KB;
}

function checkSameNonEmpty(what: string, a: ArrayLike<number>, aName: string, b: ArrayLike<number>, bName: string): void {
  if (a.length !== b.length) {
    throw new RangeError(`${what}: ${aName} has length ${a.length} but ${bName} has length ${b.length}; they must match`);
  }
  if (a.length === 0) {
    throw new RangeError(`${what}: ${aName} and ${bName} are empty; there is nothing to score`);
  }
}

/** Fraction (0..1) of positions where predicted[i] === labels[i]. */
export function accuracy(predicted: ArrayLike<number>, labels: ArrayLike<number>): number {
  checkSameNonEmpty("accuracy", predicted, "predicted", labels, "labels");
  let correct = 0;
  for (let i = 0; i < predicted.length; i++) if (predicted[i] === labels[i]) correct++;
  return correct / predicted.length;
}

/**
 * matrix[trueClass][predictedClass] = how many samples of trueClass were predicted as predictedClass.
 * The diagonal holds the correct predictions.
 */
export function confusionMatrix(predicted: ArrayLike<number>, labels: ArrayLike<number>, numClasses: number): number[][] {
  checkSameNonEmpty("confusionMatrix", predicted, "predicted", labels, "labels");
  if (!Number.isInteger(numClasses) || numClasses <= 0) {
    throw new RangeError(`numClasses must be a positive integer, got ${numClasses}`);
  }
  const matrix = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < predicted.length; i++) {
    const p = predicted[i], t = labels[i];
    for (const [name, c] of [["predicted", p], ["labels", t]] as const) {
      if (!Number.isInteger(c) || c < 0 || c >= numClasses) {
        throw new RangeError(`confusionMatrix: ${name}[${i}] = ${c} is not a class index in 0..${numClasses - 1}`);
      }
    }
    matrix[t][p]++;
  }
  return matrix;
}

/** Index of the largest value; ties go to the first. */
export function argmax(values: ArrayLike<number>): number {
  if (values.length === 0) throw new RangeError("argmax of an empty array is undefined");
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/** A model output turned into something a person (or a device's UI) can use. */
export interface DecodedPrediction {
  classIndex: number;
  className: string;
  /** The winning score, e.g. the softmax probability. */
  confidence: number;
}

/**
 * Decodes one row of class scores (e.g. softmax probabilities) into the winning class, its name and its
 * score. Ties go to the lower class index, as argmax does.
 */
export function decodePrediction(scores: ArrayLike<number>, classNames: readonly string[]): DecodedPrediction {
  if (scores.length === 0) throw new RangeError("decodePrediction: scores is empty; there is no class to pick");
  if (scores.length !== classNames.length) {
    throw new RangeError(
      `decodePrediction: scores has length ${scores.length} but classNames has length ${classNames.length}; they must match`,
    );
  }
  for (let i = 0; i < scores.length; i++) {
    if (Number.isNaN(scores[i])) throw new RangeError(`decodePrediction: scores[${i}] is NaN (did training diverge?)`);
  }
  const classIndex = argmax(scores);
  return { classIndex, className: classNames[classIndex], confidence: scores[classIndex] };
}
