// Lesson 10 exercise 10.3: model solution (see exercises/10-export-and-deploy/c-array.ts for the task). The
// graded tests compile its output with the host's gcc and read the arrays back (values, type, constness,
// alignment, section), as course-lib/deploy/codegen.ts's cArray output is compiled into every firmware.

export type CElementType = "int8_t" | "int32_t";

export interface CArrayOptions {
  type: CElementType;
  alignment?: number;
  section?: string;
}

const RANGES: Record<CElementType, [number, number]> = { int8_t: [-128, 127], int32_t: [-2147483648, 2147483647] };

const C_KEYWORDS = new Set(("auto break case char const continue default do double else enum extern float for goto if " +
  "inline int long register restrict return short signed sizeof static struct switch typedef union unsigned void " +
  "volatile while _Bool _Complex _Imaginary").split(" "));

export function cArray(name: string, values: ArrayLike<number>, options: CArrayOptions): string {
  if (typeof name !== "string" || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || C_KEYWORDS.has(name)) {
    throw new RangeError(`cArray: name ${JSON.stringify(name)} is not a C identifier (letters, digits, _, not a keyword)`);
  }
  const type = options?.type;
  if (!Object.prototype.hasOwnProperty.call(RANGES, type)) {
    throw new RangeError(`cArray: type ${JSON.stringify(type)} is not one of "int8_t", "int32_t"`);
  }
  if (!values || values.length === 0) throw new RangeError(`cArray: ${name} has no values (C has no zero-length arrays)`);
  const [lo, hi] = RANGES[type];
  const texts: string[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isInteger(v) || v < lo || v > hi) {
      throw new RangeError(`cArray: ${name}[${i}] = ${v} is not an integer in ${type}'s range ${lo}..${hi}`);
    }
    texts.push(v === -2147483648 ? "(-2147483647 - 1)" : String(v));
  }
  const a = options.alignment ?? 4;
  if (!Number.isInteger(a) || a < 1 || (a & (a - 1)) !== 0) throw new RangeError(`cArray: alignment ${a} is not a power of two`);
  const attributes = [`aligned(${a})`];
  if (options.section !== undefined) {
    if (typeof options.section !== "string" || !/^[.A-Za-z_][A-Za-z0-9_.]*$/.test(options.section)) {
      throw new RangeError(`cArray: section ${JSON.stringify(options.section)} is not a section name`);
    }
    attributes.push(`section("${options.section}")`);
  }
  const lines: string[] = [];
  for (let i = 0; i < texts.length; i += 16) lines.push(`  ${texts.slice(i, i + 16).join(", ")},`);
  return `const ${type} ${name}[${values.length}] __attribute__((${attributes.join(", ")})) = {\n${lines.join("\n")}\n};\n`;
}
