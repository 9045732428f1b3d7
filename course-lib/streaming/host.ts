// The C front end built for the development machine with the host gcc (c/frontend_host.c), so the tests
// can hold it against TypeScript without an emulator: fe_log against Math.log, the frames against
// features.ts, and the compiled tables against the values frontend-tables.ts meant to write.
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { findTool, runProcess } from "../deploy/toolchain";
import { float32Bits, float32FromBits, frontEndTables, type FrontEndTableOptions } from "./frontend-tables";
import { parseStreamOutput, type StreamFrameLine } from "./protocol";
import { FRONTEND_SOURCES, STREAMING_C_DIR } from "./stream-sources";

/** The host flags: the course's strict ones, plus warnings for any float silently widened to double. */
export const FRONTEND_HOST_CFLAGS: readonly string[] = ["-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-Wdouble-promotion", "-Wfloat-conversion"];

export interface FrontEndHost {
  executable: string;
  dir: string;
  /** fe_log on each float32 value. */
  log(values: Float32Array): Promise<Float32Array>;
  /** The frames of a stream of samples, as the firmware computes them. */
  frames(samples: Int16Array): Promise<StreamFrameLine[]>;
  /** Every float table of the compiled program, by name. */
  tables(): Promise<Map<string, Float32Array>>;
}

async function run(executable: string, args: string[], what: string): Promise<string> {
  const r = await runProcess(executable, args, { timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`${executable} ${what} exited with ${r.code ?? r.signal}: ${r.stderr.trim() || r.stdout.slice(-200)}`);
  return r.stdout;
}

/** Writes the tables for `options` into `dir`, compiles the host front end there and returns its runner. */
export async function buildFrontEndHost(dir: string, options: FrontEndTableOptions): Promise<FrontEndHost> {
  const out = resolve(dir);
  mkdirSync(out, { recursive: true });
  const tables = frontEndTables(options);
  for (const [name, text] of Object.entries(tables.files)) writeFileSync(join(out, name), text);
  const executable = join(out, "frontend-host");
  const sources = [...FRONTEND_SOURCES.filter((f) => f.endsWith(".c")), join(STREAMING_C_DIR, "frontend_host.c"), join(out, "frontend_tables.c")];
  const r = await runProcess(findTool("gcc"), [...FRONTEND_HOST_CFLAGS, `-I${out}`, `-I${STREAMING_C_DIR}`, ...sources, "-o", executable]);
  if (r.code !== 0) throw new Error(`host gcc could not build the front end in ${out}:\n${r.stderr.trim().split("\n").slice(0, 20).join("\n")}`);
  let calls = 0;
  const input = (suffix: string) => join(out, `input-${process.pid}-${calls++}.${suffix}`);
  return {
    executable,
    dir: out,
    async log(values) {
      const file = input("hex");
      writeFileSync(file, Array.from(values, (v) => float32Bits(v).toString(16).padStart(8, "0")).join("\n") + "\n");
      const lines = (await run(executable, ["log", file], "log")).trim().split("\n");
      if (lines.length !== values.length) throw new Error(`frontend-host log printed ${lines.length} values for ${values.length} inputs`);
      return Float32Array.from(lines, (l) => float32FromBits(parseInt(l, 16)));
    },
    async frames(samples) {
      const file = input("s16le");
      writeFileSync(file, Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength));
      const parsed = parseStreamOutput(await run(executable, ["frames", file], "frames"));
      if (!parsed.ended) throw new Error("frontend-host frames did not print end");
      return parsed.frames;
    },
    async tables() {
      const text = await run(executable, ["tables"], "tables");
      const map = new Map<string, Float32Array>();
      for (const line of text.trim().split("\n")) {
        const [name, hex] = line.split(" ");
        map.set(name, Float32Array.from({ length: (hex ?? "").length / 8 }, (_, i) => float32FromBits(parseInt(hex.slice(8 * i, 8 * i + 8), 16))));
      }
      return map;
    },
  };
}
