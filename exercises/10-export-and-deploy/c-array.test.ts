// Graded tests for lesson 10's C array initialiser (exercises/10-export-and-deploy/c-array.ts). Run them
// with `npm run grade -- --only 10.3`; each failing test prints its feedback as a hint.
// What is graded is what the C means, not how it is spelled: the returned text is checked as C99 by the host's
// gcc (-std=c99 -pedantic-errors -Wall -Werror), then compiled into a small program that prints each array's
// length, alignment, element type and constness (C11 _Generic) and every value, and the object file's symbol
// table (objdump -t) says which section each array landed in: .rodata for a plain const array (flash on a
// microcontroller), the named section when one is asked for. Random arrays (the course's mulberry32) make
// hard-coded answers fail.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { expect } from "vitest";
import { mulberry32 } from "../../course-lib/data/random";
import { errorFrom, graded, validCall } from "../../course-lib/grader/graded";
import { cArray, type CArrayOptions, type CElementType } from "@exercise/10-export-and-deploy/c-array";

interface ArrayCase {
  name: string;
  values: number[];
  options: CArrayOptions;
}

/** What the compiled program and the symbol table say about one array. */
interface ReadBack {
  length: number;
  alignment: number;
  /** "const int8_t", "int8_t" (not const), ... or "another type". */
  elementType: string;
  values: number[];
  section: string;
}

function run(command: string, args: string[], cwd: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(command, args, { cwd, encoding: "utf8" });
  if (r.error && (r.error as NodeJS.ErrnoException).code === "ENOENT") {
    throw new Error(`${command} is not installed; these tests compile your C with it: apt-get install gcc binutils`);
  }
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const firstLines = (text: string, n: number) => text.split("\n").slice(0, n).join("\n");

function harness(cases: ArrayCase[]): string {
  const checks = cases.map(({ name, options: { type } }) =>
    `  report("${name}", sizeof(${name}) / sizeof(${name}[0]), __alignof__(${name}), ` +
    `_Generic(&${name}[0], const ${type}*: 1, ${type}*: 2, default: 0), ${name}, sizeof(${name}[0]));`);
  return [
    "#include <stdio.h>",
    "static void report(const char* name, size_t n, size_t alignment, int kind, const void* data, size_t size) {",
    "  printf(\"array %s %zu %zu %d\", name, n, alignment, kind);",
    "  for (size_t i = 0; kind != 0 && i < n; i++)",
    "    printf(\" %ld\", size == 1 ? (long)((const int8_t*)data)[i] : (long)((const int32_t*)data)[i]);",
    "  printf(\"\\n\");",
    "}",
    "int main(void) {",
    ...checks,
    "  return 0;",
    "}",
  ].join("\n");
}

/** Compiles cArray's output for every case and reads each array back (see the header). */
function compileAndRead(cases: ArrayCase[]): Map<string, ReadBack> {
  const texts = cases.map((c) => {
    const text = cArray(c.name, c.values, c.options);
    expect(typeof text, `cArray("${c.name}", …) must return a string`).toBe("string");
    return text;
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "grade-10.3-"));
  try {
    const arrays = `#include <stdint.h>\n${texts.join("\n")}\n`;
    fs.writeFileSync(path.join(dir, "arrays.c"), arrays);
    const c99 = run("gcc", ["-std=c99", "-pedantic-errors", "-Wall", "-Werror", "-Wno-unused-const-variable", "-fsyntax-only", "arrays.c"], dir);
    if (c99.status !== 0) {
      throw new Error(`your C is not valid C99 (gcc -std=c99 -pedantic-errors -Wall -Werror):\n${firstLines(c99.stderr, 8)}\n` +
        `--- the first lines it compiled:\n${firstLines(arrays, 6)}`);
    }
    fs.writeFileSync(path.join(dir, "main.c"), `${arrays}\n${harness(cases)}\n`);
    const compiled = run("gcc", ["-std=c11", "-O0", "-c", "main.c", "-o", "main.o"], dir);
    if (compiled.status !== 0) {
      throw new Error(`gcc could not compile your arrays next to a program that reads them (does each declare the name it was given?):\n` +
        firstLines(compiled.stderr, 8));
    }
    const linked = run("gcc", ["main.o", "-o", "main"], dir);
    if (linked.status !== 0) throw new Error(`linking failed:\n${firstLines(linked.stderr, 8)}`);
    const printed = run(path.join(dir, "main"), [], dir);
    if (printed.status !== 0) throw new Error(`the program reading the arrays exited with status ${printed.status}`);
    const symbols = run("objdump", ["-t", "main.o"], dir).stdout;
    const sections = new Map<string, string>();
    for (const line of symbols.split("\n")) {
      const m = /^[0-9a-f]+\s+[lgw!]\s+O\s+(\S+)\s+[0-9a-f]+\s+(\S+)$/.exec(line.trim());
      if (m) sections.set(m[2], m[1]);
    }
    const kinds = (type: string) => ["another type", `const ${type}`, `${type} (not const)`];
    const out = new Map<string, ReadBack>();
    for (const line of printed.stdout.trim().split("\n")) {
      const [, name, n, alignment, kind, ...values] = line.split(" ");
      const type = cases.find((c) => c.name === name)!.options.type;
      out.set(name, { length: Number(n), alignment: Number(alignment), elementType: kinds(type)[Number(kind)],
        values: values.map(Number), section: sections.get(name) ?? "(no object symbol)" });
    }
    return out;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** What cArray aligns to when no alignment is given (as course-lib/deploy/codegen.ts's cArray does). */
const DEFAULT_ALIGNMENT = 4;
const NATURAL_ALIGNMENT: Record<CElementType, number> = { int8_t: 1, int32_t: 4 };

/** What each array must read back as. */
function expected(c: ArrayCase): ReadBack {
  return {
    length: c.values.length,
    alignment: Math.max(NATURAL_ALIGNMENT[c.options.type], c.options.alignment ?? DEFAULT_ALIGNMENT),
    elementType: `const ${c.options.type}`,
    values: c.values,
    section: c.options.section ?? ".rodata",
  };
}

function checkCases(cases: ArrayCase[]): void {
  const got = compileAndRead(cases);
  for (const c of cases) {
    const options = JSON.stringify(c.options);
    expect({ array: c.name, options, ...got.get(c.name) }).toEqual({ array: c.name, options, ...expected(c) });
  }
}

const INT32_MIN = -2147483648, INT32_MAX = 2147483647;

graded(
  { id: "10.3", points: 2, feedback: "Write `const int8_t name[N] = {v0, v1, ...};`: const (so it lands in .rodata, i.e. flash), the element type asked for, the length between the brackets, every value in order, and __attribute__((aligned(4))) when no alignment is given." },
  "a const int8_t array that compiles as C99 and holds the values in order",
  () => {
    checkCases([
      { name: "conv_w", values: [1, -2, 3], options: { type: "int8_t" } },
      { name: "one", values: [-128], options: { type: "int8_t" } },
      { name: "_long_row2", values: Array.from({ length: 70 }, (_, i) => ((i * 37) % 256) - 128), options: { type: "int8_t" } },
    ]);
  },
);

graded(
  { id: "10.3", points: 2, feedback: "int32_t arrays take the whole int32 range; the smallest value, −2147483648, must come back exactly (write it as (-2147483647 - 1))." },
  "a const int32_t array, with the type's extremes",
  () => {
    checkCases([
      { name: "bias", values: [100, -7], options: { type: "int32_t" } },
      { name: "multipliers", values: [INT32_MAX, INT32_MIN, 0, 1073741824, -1], options: { type: "int32_t" } },
    ]);
  },
);

graded(
  { id: "10.3", points: 2, feedback: "alignment → __attribute__((aligned(N))), section → __attribute__((section(\"name\"))); with both, one list: __attribute__((aligned(16), section(\".rodata.nn\"))). Put the attributes after the brackets, before the =." },
  "aligned as asked and placed in the section asked for",
  () => {
    checkCases([
      { name: "w16", values: [5, 6, 7], options: { type: "int8_t", alignment: 16 } },
      { name: "in_section", values: [-1, 2], options: { type: "int8_t", section: ".rodata.nn_weights" } },
      { name: "both", values: [9, 8, 7, 6, 5], options: { type: "int8_t", alignment: 32, section: ".nn_model" } },
      { name: "shifts", values: [-3, 0, 2], options: { type: "int32_t", alignment: 8, section: "nn_params" } },
    ]);
  },
);

graded(
  { id: "10.3", points: 3, feedback: "Each array on its own: its type, its length, its values in order, its own alignment and section (or none). Check long arrays, int32 extremes and every combination of the options." },
  "40 random arrays of both types, with and without alignment and section",
  () => {
    const next = mulberry32(103);
    const pick = <T>(xs: T[]) => xs[Math.floor(next() * xs.length)];
    const cases: ArrayCase[] = Array.from({ length: 40 }, (_, k) => {
      const type = pick<CElementType>(["int8_t", "int32_t"]);
      const [lo, hi] = type === "int8_t" ? [-128, 127] : [INT32_MIN, INT32_MAX];
      const values = Array.from({ length: 1 + Math.floor(next() * 300) }, () => lo + Math.floor(next() * (hi - lo + 1)));
      if (next() < 0.3) values[Math.floor(next() * values.length)] = lo;
      if (next() < 0.3) values[Math.floor(next() * values.length)] = hi;
      const options: CArrayOptions = { type };
      const alignment = pick([undefined, 4, 8, 16, 64]), section = pick([undefined, ".rodata.nn_weights", ".nn_model", "flash_data"]);
      if (alignment !== undefined) options.alignment = alignment;
      if (section !== undefined) options.section = section;
      return { name: `${pick(["w", "bias_", "nn_t"])}${k}`, values, options };
    });
    checkCases(cases);
  },
);

graded(
  { id: "10.3", points: 1, feedback: "Throw a RangeError naming the bad value for: a name that is not a C identifier or is a keyword, a type other than int8_t / int32_t, no values, a value that is not an integer in the type's range (name its index), an alignment that is not a power of two, a section name with quotes or spaces." },
  "rejects names, types, values, alignments and sections C cannot take",
  () => {
    validCall('cArray("w", [0], { type: "int8_t", alignment: 1 })', () => cArray("w", [0], { type: "int8_t", alignment: 1 }));
    validCall('cArray("_x9", [127, -128], { type: "int8_t", section: ".rodata" })', () => cArray("_x9", [127, -128], { type: "int8_t", section: ".rodata" }));
    validCall('cArray("m", [2147483647], { type: "int32_t", alignment: 16 })', () => cArray("m", [2147483647], { type: "int32_t", alignment: 16 }));
    const int8 = { type: "int8_t" } as const;
    const bad: [string, () => unknown, RegExp[]][] = [
      ['name "2w"', () => cArray("2w", [1], int8), [/2w/]],
      ['name "my-array"', () => cArray("my-array", [1], int8), [/my-array/]],
      ['name "int" (a keyword)', () => cArray("int", [1], int8), [/\bint\b/]],
      ['type "int16_t"', () => cArray("w", [1], { type: "int16_t" as CElementType }), [/int16_t/]],
      ["no values", () => cArray("w", [], int8), [/\bw\b/]],
      ["128 at index 3 in int8_t", () => cArray("w", [0, 0, 0, 128], int8), [/\b3\b/, /\b128\b/]],
      ["1.5 in int8_t", () => cArray("w", [1.5], int8), [/1\.5/]],
      ["2147483648 in int32_t", () => cArray("w", [0, 2147483648], { type: "int32_t" }), [/2147483648/, /\b1\b/]],
      ["alignment 12", () => cArray("w", [1], { type: "int8_t", alignment: 12 }), [/\b12\b/]],
      ["alignment 0", () => cArray("w", [1], { type: "int8_t", alignment: 0 }), [/\b0\b/]],
      ['section "my data"', () => cArray("w", [1], { type: "int8_t", section: "my data" }), [/my data/]],
      ["section with a quote", () => cArray("w", [1], { type: "int8_t", section: 'x")))' }), [/x\\?"\)\)\)/]],
    ];
    for (const [what, call, patterns] of bad) {
      const error = errorFrom(call);
      expect(error, what).toBeInstanceOf(RangeError);
      for (const p of patterns) expect(error.message, what).toMatch(p);
    }
  },
);
