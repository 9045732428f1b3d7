// `npm run deploy`: the argument contract, the one-line errors, and the acceptance case the issue sets for
// the CLI: the two .tflite files TensorFlow's converter made (TFLM's hello_world and micro_speech), deployed
// to the Cortex-M4 board with TFLM's golden inputs, must print TFLM's golden output bytes (produced by TFLM
// itself, ../shared/fixtures/tflite/golden/). One spawned run checks the process contract (stdout JSON, exit
// status, one stderr line per error); the rest calls main() / runDeploy() in-process.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { TFLITE_FIXTURES_DIR } from "../quantize/tflite/fixtures";
import { formatReport, main, parseArgs, readInputsFile, runDeploy, UsageError, USAGE } from "./cli";
import { symbolAddress } from "./elf";
import { RENODE_PLATFORMS } from "./renode";

const REPO = resolve(__dirname, "../..");
const fixture = (file: string) => join(TFLITE_FIXTURES_DIR, file);
const golden = (file: string) => new Int8Array(readFileSync(fixture(`golden/${file}`)));

/** main() with captured output. */
async function run(argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, (s) => out.push(s), (s) => err.push(s));
  return { code, out, err };
}

describe("parseArgs", () => {
  it("reads every option", () => {
    expect(parseArgs(["--model", "m.json", "--board", "mps2-an386", "--calibration", "random:16", "--inputs", "4", "--kernels", "reference", "--debug", "--json"]))
      .toEqual({ model: "m.json", board: "mps2-an386", calibration: "random:16", inputs: 4, kernels: "reference", debug: true, json: true });
    expect(parseArgs(["--board", "stm32f405rg", "--model", "x.tflite", "--inputs-file", "in.bin"]))
      .toEqual({ model: "x.tflite", board: "stm32f405rg", inputsFile: "in.bin", debug: false, json: false });
    expect(parseArgs(["--model", "x", "--help"])).toBe("help");
  });

  it("names what is wrong with a command line", () => {
    const bad: [string[], RegExp][] = [
      [["--board", "mps2-an386"], /--model is required/],
      [["--model", "m.json"], /--board is required/],
      [["--model", "--board", "x"], /--model needs a value/],
      [["--model", "m", "--board"], /--board needs a value/],
      [["--model", "m", "--board", "b", "--frobnicate"], /unknown option --frobnicate/],
      [["--model", "m", "--board", "b", "stray"], /unexpected argument "stray"/],
      [["--model", "m", "--model", "n", "--board", "b"], /--model given twice/],
      [["--model", "m", "--board", "b", "--inputs", "0"], /--inputs expects a whole number 1\.\.1000, got "0"/],
      [["--model", "m", "--board", "b", "--inputs", "2.5"], /--inputs expects a whole number/],
      [["--model", "m", "--board", "b", "--kernels", "fast"], /--kernels expects reference or optimized, got "fast"/],
      [["--model", "m", "--board", "b", "--inputs", "2", "--inputs-file", "f"], /give --inputs or --inputs-file, not both/],
    ];
    for (const [argv, message] of bad) {
      expect(() => parseArgs(argv), argv.join(" ")).toThrow(UsageError);
      expect(() => parseArgs(argv), argv.join(" ")).toThrow(message);
    }
  });

  it("readInputsFile splits raw int8 bytes into inputs, and refuses a partial input", () => {
    const inputs = readInputsFile(fixture("golden/hello_world_int8.input.bin"), 1);
    expect(inputs.length).toBe(256);
    expect(inputs.map((x) => x[0])).toEqual(Array.from(golden("hello_world_int8.input.bin")));
    expect(() => readInputsFile(fixture("golden/hello_world_int8.input.bin"), 3)).toThrow(/has 256 bytes, not a whole number of inputs of 3 int8 values/);
    expect(() => readInputsFile("/no/such.bin", 1)).toThrow(/--inputs-file \/no\/such\.bin does not exist/);
  });
});

describe("main: --help and one-line errors with exit status 1", () => {
  it("--help prints the usage and exits 0", async () => {
    const r = await run(["--help"]);
    expect(r).toEqual({ code: 0, out: [USAGE], err: [] });
    expect(USAGE).toMatch(/--model .*--board .*--calibration .*--inputs .*--kernels .*--debug .*--json/s);
  });

  it("a bad flag, a bad board, a bad model: one line on stderr, nothing on stdout", async () => {
    const cases: [string[], RegExp][] = [
      [["--model", "m.json"], /^error: --board is required \(npm run deploy -- --help\)$/],
      [["--model", "m.json", "--board", "b", "--colour"], /^error: unknown option --colour/],
      [["--model", fixture("hello_world_int8.tflite"), "--board", "esp32"], /^error: unknown deploy target "esp32"; expected one of: catalogue boards .*stm32f405rg.* or QEMU machines mps2-an385, mps2-an386/],
      [["--model", fixture("hello_world_int8.tflite"), "--board", "rp2040"], /^error: board "rp2040" .* has no QEMU machine to run on/],
      [["--model", "builtin", "--board", "mps2-an386"], /^error: --model builtin needs a name; expected one of: builtin:lesson00-tiny-cnn-mnist, /],
      [["--model", "nothing.json", "--board", "mps2-an386"], /^error: model file not found: nothing\.json/],
      [["--model", fixture("hello_world_int8.tflite"), "--board", "mps2-an386", "--calibration", "digits"], /^error: --calibration "digits" does not apply to .*: a \.tflite model is already quantized$/],
    ];
    for (const [argv, message] of cases) {
      const r = await run(argv);
      expect(r.code, argv.join(" ")).toBe(1);
      expect(r.out, argv.join(" ")).toEqual([]);
      const errors = r.err.filter((l) => !l.startsWith("[deploy] "));
      expect(errors.length, r.err.join("\n")).toBe(1);
      expect(errors[0]).toMatch(message);
    }
  });

  it("a model that does not fit fails at link time, naming the region, the overflow and the board's memory", async () => {
    // Lesson 02's three convs on 32×32×16: two 16 KB activations live at once, more than the STM32F303K8's 16 KB of RAM.
    const r = await run(["--model", "builtin:lesson02-three-convs-skip", "--board", "stm32f303k8", "--kernels", "reference", "--inputs", "1"]);
    expect(r.code).toBe(1);
    expect(r.out).toEqual([]);
    expect(r.err[r.err.length - 1]).toMatch(/^error: region RAM overflowed by \d+ bytes on stm32f303k8 \(64\.0 KiB flash \/ 16\.0 KiB RAM\)$/);
    expect(r.err.filter((l) => l.startsWith("error:")).length).toBe(1);
  }, 60_000);
});

describe("TFLM's converter-made models on the Cortex-M4 board give TFLM's golden output bytes", () => {
  const cases = [
    { model: "hello_world_int8", inputSize: 1, outputSize: 1, inferences: 256 },
    { model: "micro_speech_quantized", inputSize: 1960, outputSize: 4, inferences: 32 },
  ];
  for (const c of cases) {
    it(`${c.model}: all ${c.inferences} golden inputs on mps2-an386`, async () => {
      const { report } = await runDeploy({
        model: fixture(`${c.model}.tflite`), board: "mps2-an386", inputsFile: fixture(`golden/${c.model}.input.bin`), debug: false, json: false,
      });
      const expected = golden(`${c.model}.tflm-output.bin`);
      expect(expected.length).toBe(c.inferences * c.outputSize);
      expect(report.inputs).toBe(c.inferences);
      expect(report.target.machine).toBe("mps2-an386");
      expect(report.kernels).toBe("optimized");
      const firmware = Int8Array.from(report.outputs.flat());
      const firstDiff = firmware.findIndex((v, i) => v !== expected[i]);
      expect(firstDiff, `firmware ${firmware[firstDiff]} vs TFLM ${expected[firstDiff]} at output ${firstDiff}`).toBe(-1);
      expect(firmware.length).toBe(expected.length);
      expect(report.bitExact).toBe(true);
      const text = formatReport(report);
      expect(text).toMatch(/^bit-exact  yes: all \d+ inputs × \d+ outputs equal runQuantized's$/m);
      expect(text).toMatch(new RegExp(`^flash +${report.memory.flash.toLocaleString("en-US")} B \\(text`, "m"));
      expect(text).toMatch(/^latency +\d+\.\d{3} ms, estimated at 25 MHz: .*an estimate/m);
      for (const op of report.instructions.perOp) expect(text).toContain(` ${op.kind} `);
    }, 120_000);
  }

  it("the process contract: `tsx cli.ts --json` prints the report as JSON on stdout and exits 0", () => {
    const r = spawnSync(process.execPath, [join(REPO, "node_modules/tsx/dist/cli.mjs"), join(REPO, "course-lib/deploy/cli.ts"),
      "--model", fixture("hello_world_int8.tflite"), "--board", "mps2-an386", "--kernels", "reference", "--inputs-file", fixture("golden/hello_world_int8.input.bin"), "--json"], { encoding: "utf8", cwd: REPO, timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.bitExact).toBe(true);
    expect(report.kernels).toBe("reference");
    expect(report.outputs.flat()).toEqual(Array.from(golden("hello_world_int8.tflm-output.bin")));
    expect(r.stderr.split("\n").filter((l) => l !== "").every((l) => l.startsWith("[deploy] "))).toBe(true);
    // A missing toolchain: the same command with no PATH names the tool and its apt-get line, exit 1.
    const missing = spawnSync(process.execPath, [join(REPO, "node_modules/tsx/dist/cli.mjs"), join(REPO, "course-lib/deploy/cli.ts"),
      "--model", fixture("hello_world_int8.tflite"), "--board", "mps2-an386", "--inputs", "1"], { encoding: "utf8", cwd: REPO, timeout: 120_000, env: { ...process.env, PATH: "" } });
    expect(missing.status).toBe(1);
    expect(missing.stdout).toBe("");
    const errors = missing.stderr.split("\n").filter((l) => l.startsWith("error:"));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^error: arm-none-eabi-gcc is not installed .*; install it with: apt-get install -y --no-install-recommends gcc-arm-none-eabi/);
  }, 180_000);
});

describe("on the STM32F4 board the deploy also writes Renode scripts (not run: Renode is not installable here)", () => {
  it("they load the ELF the deploy built, whose vector table is where the Renode platform boots, and wait for every line QEMU printed", async () => {
    const { report } = await runDeploy({ model: fixture("hello_world_int8.tflite"), board: "stm32f405rg", inputs: 6, debug: false, json: false });
    expect(report.bitExact).toBe(true);
    const renode = report.files.renode!;
    expect(renode).toBeDefined();
    const resc = readFileSync(renode.resc, "utf8");
    const robot = readFileSync(renode.robot, "utf8");
    expect(resc).toContain(`sysbus LoadELF @${report.files.elf}`);
    expect(robot).toContain(`sysbus LoadELF @${report.files.elf}`);
    expect(await symbolAddress(report.files.elf, "firmware_vectors")).toBe(RENODE_PLATFORMS[0].flashOrigin);
    // Every line the robot waits for is a line of the QEMU run's UART, in the same order, and every out line is waited for.
    const uart = readFileSync(report.files.uart, "utf8").split("\n");
    const waits = robot.split("\n").filter((l) => l.startsWith("    Wait For Line On Uart")).map((l) => l.trim().split(/ {2,}/)[1]);
    let at = -1;
    for (const w of waits) {
      const next = uart.indexOf(w, at + 1);
      expect(next, `"${w}" after line ${at} of uart.txt`).toBeGreaterThan(at);
      at = next;
    }
    expect(waits.filter((w) => w.startsWith("out "))).toEqual(uart.filter((l) => l.startsWith("out ")));
    expect(waits[waits.length - 1]).toBe("end");
    expect(formatReport(report)).toMatch(/renode firmware\.resc, firmware\.robot \(not run here\)/);
  }, 120_000);
});
