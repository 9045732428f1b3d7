// The profiler CLI's network mode: `npm run profile -- --net phinet|xinet --input C,H,W [options] [--json]`
// builds a PhiNet or XiNet (course-lib/nets) from command-line options, profiles the built tfjs model
// and prints its parameters, MACs, output shape, flash and peak activation RAM, next to the closed-form
// cost of the same options (they must agree; exit code 1 if they do not). cli.ts hands any argument
// list containing --net to netMain(); this file also runs on its own (npx tsx course-lib/profiler/net-cli.ts).
import * as tf from "@tensorflow/tfjs";
import { profileModel } from "./profile";
import { formatBytes, formatCount, formatProfile } from "./format";
import { phinet } from "../nets/phinet";
import { phinetCost } from "../nets/phinet-cost";
import { xinet } from "../nets/xinet";
import { xinetCost } from "../nets/xinet-cost";
import type { PhiNetOptions } from "../nets/phinet-plan";
import type { XiNetOptions } from "../nets/xinet-plan";

export const NET_USAGE = `usage: npm run profile -- --net phinet|xinet --input C,H,W [options] [--json]
  --input C,H,W              input shape as micromind takes it (channels first), e.g. 3,96,96
  --alpha A                  width multiplier (both)
  --num-layers N             number of blocks (both)
  --include-top              add the classifier head;  --num-classes K  its classes
  PhiNet: --beta B --t0 T --divisor D --downsampling-layers 5,7 --conv5-percent P --first-conv-stride S
          --pool --conv2d-input --compatibility --no-residuals --no-h-swish --no-squeeze-excite
  XiNet:  --gamma G --base-filters F
  --json                     print one JSON object instead of the table`;

export class NetUsageError extends Error {}

export interface NetCliOptions {
  net: "phinet" | "xinet";
  options: Record<string, unknown>;
  json: boolean;
}

const NUMBER_FLAGS: Record<string, string> = {
  "--alpha": "alpha", "--beta": "beta", "--t0": "t0", "--num-layers": "numLayers", "--gamma": "gamma", "--num-classes": "numClasses",
  "--divisor": "divisor", "--conv5-percent": "conv5Percent", "--first-conv-stride": "firstConvStride", "--base-filters": "baseFilters",
};
const BOOLEAN_FLAGS: Record<string, [string, boolean]> = {
  "--include-top": ["includeTop", true], "--pool": ["pool", true], "--conv2d-input": ["conv2dInput", true], "--compatibility": ["compatibility", true],
  "--no-residuals": ["residuals", false], "--no-h-swish": ["hSwish", false], "--no-squeeze-excite": ["squeezeExcite", false],
};

function numberList(flag: string, v: string): number[] {
  const parts = v.split(",").map((s) => s.trim());
  if (parts.some((p) => p === "" || !Number.isFinite(Number(p)))) throw new NetUsageError(`${flag} expects comma-separated numbers such as 3,96,96, got ${JSON.stringify(v)}`);
  return parts.map(Number);
}

export function parseNetArgs(argv: string[]): NetCliOptions {
  let net: string | undefined;
  const options: Record<string, unknown> = {};
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new NetUsageError(`${a} needs a value`);
      return v;
    };
    if (a === "--net") net = value();
    else if (a === "--input") {
      const shape = numberList(a, value());
      if (shape.length !== 3) throw new NetUsageError(`--input expects C,H,W (three numbers), got ${shape.join(",")}`);
      options.inputShape = shape;
    } else if (a === "--downsampling-layers") options.downsamplingLayers = numberList(a, value());
    else if (a in NUMBER_FLAGS) {
      const v = value();
      const n = Number(v);
      if (!Number.isFinite(n)) throw new NetUsageError(`${a} expects a number, got ${JSON.stringify(v)}`);
      options[NUMBER_FLAGS[a]] = n;
    } else if (a in BOOLEAN_FLAGS) options[BOOLEAN_FLAGS[a][0]] = BOOLEAN_FLAGS[a][1];
    else if (a === "--json") json = true;
    else if (a === "--help" || a === "-h") throw new NetUsageError("");
    else throw new NetUsageError(`unknown option ${a}`);
  }
  if (net !== "phinet" && net !== "xinet") throw new NetUsageError(`--net must be phinet or xinet, got ${JSON.stringify(net ?? "")}`);
  if (options.inputShape === undefined) throw new NetUsageError("--input C,H,W is required");
  return { net, options, json };
}

/** Runs the network mode; returns the exit code (0 ok, 1 error or disagreement, 2 usage). */
export async function netMain(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s + "\n"), err: (s: string) => void = (s) => process.stderr.write(s + "\n")): Promise<number> {
  let parsed: NetCliOptions;
  try {
    parsed = parseNetArgs(argv);
  } catch (e) {
    if (e instanceof NetUsageError) {
      err(e.message ? `error: ${e.message}\n${NET_USAGE}` : NET_USAGE);
      return e.message ? 2 : 0;
    }
    throw e;
  }
  try {
    // Option errors (bad alpha, unknown combination) surface here, before tfjs builds anything.
    const closed = parsed.net === "phinet" ? phinetCost(parsed.options as unknown as PhiNetOptions) : xinetCost(parsed.options as unknown as XiNetOptions);
    await tf.setBackend("cpu");
    const model = parsed.net === "phinet" ? phinet(parsed.options as unknown as PhiNetOptions) : xinet(parsed.options as unknown as XiNetOptions);
    const p = profileModel(model);
    const outShape = model.outputs[0].shape.slice(1) as number[];
    const agrees = closed.params.trainable === p.totals.params.trainable && closed.macs === p.totals.macs &&
      closed.flash.int8 === p.totals.flash.int8 && closed.peakRam.int8 === p.totals.peakRam.int8 && JSON.stringify(closed.outShape) === JSON.stringify(outShape);
    const summary = {
      net: parsed.net,
      options: parsed.options,
      params: p.totals.params.trainable,
      nonTrainableParams: p.totals.params.nonTrainable,
      macs: p.totals.macs,
      outShape,
      flashInt8Bytes: p.totals.flash.int8,
      flashFloat32Bytes: p.totals.flash.float32,
      peakActivationInt8Bytes: p.totals.peakRam.int8,
      peakActivationFloat32Bytes: p.totals.peakRam.float32,
      peakLayer: p.totals.peakLayer,
      closedFormAgrees: agrees,
    };
    model.dispose();
    if (parsed.json) out(JSON.stringify(summary, null, 2));
    else {
      out(formatProfile(p));
      out(`\n${parsed.net}: ${formatCount(summary.params)} trainable params, ${formatCount(summary.macs)} MACs, output ${outShape.join("x")}, ` +
        `flash ${formatBytes(summary.flashInt8Bytes)} int8, peak activations ${formatBytes(summary.peakActivationInt8Bytes)} int8`);
      out(`closed form (course-lib/nets): ${agrees ? "agrees with the profiler" : "DISAGREES with the profiler"}`);
    }
    return agrees ? 0 : 1;
  } catch (e) {
    err(`error: ${(e as Error).message}`);
    return 1;
  }
}

if (require.main === module) {
  tf.env().set("PROD", true);
  netMain(process.argv.slice(2)).then((code) => { process.exitCode = code; });
}
