// Reads what c/firmware/app.c prints, on a board's UART or on the host's stdout (one line each):
//
//   begin inputs=<N> input_size=<n> output_size=<m> ops=<ops>
//   dump <k> <op> <hex>     NN_DEBUG_DUMP builds: op `op`'s output for input k
//   out <k> <hex>           the output tensor for input k (two lowercase hex digits per int8, two's complement)
//   stack <bytes>           firmware only: the measured peak stack
//   end
//
// A firmware that faults prints `hardfault` (possibly after a partial line) and stops: that is reported, not
// thrown, with whatever came before it. Anything else that does not fit the protocol is an error naming the
// line, so a garbled UART is never read as a result.

export interface AppOutput {
  /** Test inputs the firmware announced (NN_TEST_INPUTS). */
  inputs: number;
  inputSize: number;
  outputSize: number;
  ops: number;
  /** outputs[k]: the output tensor of input k, for the `out` lines received. */
  outputs: Int8Array[];
  /** NN_DEBUG_DUMP builds: op `op`'s output for input k under key `${k}:${op}`; empty otherwise. */
  dumps: Map<string, Int8Array>;
  /** Measured peak stack bytes, or null when the platform does not measure it (the host). */
  stackPeak: number | null;
  /** The `end` line arrived: every input ran. */
  ended: boolean;
  /** The firmware reported a HardFault. */
  hardfault: boolean;
  /** The protocol lines as received (without line ends), e.g. for a Renode test's expected lines. */
  lines: string[];
}

const HEX = /^(?:[0-9a-f]{2})*$/;

function hexBytes(hex: string, expected: number, where: string): Int8Array {
  if (!HEX.test(hex)) throw new Error(`${where}: ${JSON.stringify(hex.slice(0, 40))} is not lowercase hex pairs`);
  if (hex.length !== 2 * expected) throw new Error(`${where}: ${hex.length / 2} bytes, expected ${expected}`);
  const out = new Int8Array(expected);
  for (let i = 0; i < expected; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16) << 24 >> 24;
  return out;
}

function count(text: string, where: string): number {
  if (!/^(0|[1-9][0-9]*)$/.test(text)) throw new Error(`${where}: ${JSON.stringify(text)} is not a non-negative integer`);
  return Number(text);
}

/** Parses app.c's output; see the header for the protocol. */
export function parseAppOutput(text: string): AppOutput {
  if (typeof text !== "string") throw new TypeError(`parseAppOutput: expected the UART text as a string, got ${typeof text}`);
  const raw = text.split("\n").map((l) => l.replace(/\r$/, ""));
  if (raw.length > 0 && raw[raw.length - 1] === "") raw.pop();
  const result: AppOutput = {
    inputs: 0, inputSize: 0, outputSize: 0, ops: 0, outputs: [], dumps: new Map(), stackPeak: null, ended: false, hardfault: false, lines: [],
  };
  let begun = false;
  for (let n = 0; n < raw.length; n++) {
    const line = raw[n];
    const where = `app output line ${n + 1}`;
    if (line.endsWith("hardfault")) {
      result.hardfault = true;
      result.lines.push("hardfault");
      break;
    }
    if (result.ended) throw new Error(`${where}: ${JSON.stringify(line.slice(0, 60))} after "end"`);
    const words = line.split(" ");
    if (!begun) {
      const m = /^begin inputs=(\d+) input_size=(\d+) output_size=(\d+) ops=(\d+)$/.exec(line);
      if (!m) throw new Error(`${where}: expected "begin inputs=<N> input_size=<n> output_size=<m> ops=<ops>", got ${JSON.stringify(line.slice(0, 80))}`);
      [result.inputs, result.inputSize, result.outputSize, result.ops] = m.slice(1).map(Number);
      begun = true;
    } else if (words[0] === "out" && words.length === 3) {
      const k = count(words[1], where);
      if (k !== result.outputs.length) throw new Error(`${where}: output of input ${k}, expected input ${result.outputs.length}`);
      if (k >= result.inputs) throw new Error(`${where}: output of input ${k}, but the firmware announced ${result.inputs} inputs`);
      result.outputs.push(hexBytes(words[2], result.outputSize, where));
    } else if (words[0] === "dump" && words.length === 4) {
      const k = count(words[1], where);
      const op = count(words[2], where);
      if (k !== result.outputs.length) throw new Error(`${where}: dump for input ${k} while input ${result.outputs.length} runs`);
      if (op >= result.ops) throw new Error(`${where}: dump of op ${op}, but the model has ${result.ops} ops`);
      const key = `${k}:${op}`;
      if (result.dumps.has(key)) throw new Error(`${where}: a second dump of input ${k}, op ${op}`);
      if (!HEX.test(words[3])) throw new Error(`${where}: ${JSON.stringify(words[3].slice(0, 40))} is not lowercase hex pairs`);
      result.dumps.set(key, hexBytes(words[3], words[3].length / 2, where));
    } else if (words[0] === "stack" && words.length === 2) {
      result.stackPeak = count(words[1], where);
    } else if (line === "end") {
      if (result.outputs.length !== result.inputs) {
        throw new Error(`${where}: "end" after ${result.outputs.length} outputs, the firmware announced ${result.inputs} inputs`);
      }
      result.ended = true;
    } else {
      throw new Error(`${where}: unexpected ${JSON.stringify(line.slice(0, 80))} (expected out, dump, stack, end or hardfault)`);
    }
    result.lines.push(line);
  }
  if (!begun && !result.hardfault) throw new Error(`app output: no "begin" line (got ${raw.length} lines${raw.length ? `, first ${JSON.stringify(raw[0].slice(0, 60))}` : ""})`);
  return result;
}

/** The `out` line app.c prints for input k's output tensor (what a Renode test waits for). */
export function outputLine(k: number, values: ArrayLike<number>): string {
  let hex = "";
  for (let i = 0; i < values.length; i++) hex += (values[i] & 0xff).toString(16).padStart(2, "0");
  return `out ${k} ${hex}`;
}
