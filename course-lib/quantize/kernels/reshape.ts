// RESHAPE (and flatten), int8: the bytes are unchanged, only the shape differs; TFLite requires equal input
// and output quantization. newShape may hold one −1, inferred from the element count, as TFLite allows.
import { product } from "./common";

export function resolveReshape(inShape: number[], newShape: number[]): number[] {
  const size = product(inShape);
  const unknown = newShape.filter((d) => d === -1).length;
  if (unknown > 1) throw new RangeError(`reshape: at most one -1 in the new shape, got [${newShape}]`);
  const known = product(newShape.filter((d) => d !== -1));
  const resolved = newShape.map((d) => (d === -1 ? size / known : d));
  if (resolved.some((d) => !Number.isInteger(d) || d < 0) || product(resolved) !== size) {
    throw new RangeError(`reshape: [${inShape}] (${size} elements) cannot become [${newShape}]`);
  }
  return resolved;
}

export function reshapeInt8(input: Int8Array, output: Int8Array): void {
  if (input.length !== output.length) throw new RangeError(`reshape: ${input.length} elements in, ${output.length} out`);
  output.set(input);
}
