// Real TensorFlow Lite (the tfjs-tflite WebAssembly build, 0.0.1-alpha.10) run in headless Chromium, as an
// int8 oracle: TFLite's own flatbuffer reader and kernels, with XNNPACK for the int8 ops it supports and
// TFLite's optimized builtin kernels for the rest. tfjs-tflite does not run in Node (tfjs#5532), so a
// small HTTP server on 127.0.0.1 (ephemeral port) serves the runtime, the models and the inputs to one
// page load per batch; the page runs every inference and POSTs the raw int8 outputs back.
// XNNPACK requantizes with one rounding (TFLM rounds twice), so bit-exactness is expected against
// runQuantized(…, { rounding: "single" }) for the ops XNNPACK runs (see notes/int8-quantization.md §9).
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { findChromium, runChromium } from "../../book/chromium";

const TFJS = path.resolve(__dirname, "../../../node_modules/@tensorflow");
/** The tfjs-tflite bundle carries the low-level client (globalThis.tfweb); it expects tfjs-core as `tf`. */
const SCRIPTS: Record<string, string> = {
  "/lib/tf-core.min.js": path.join(TFJS, "tfjs-core/dist/tf-core.min.js"),
  "/lib/tf-tflite.min.js": path.join(TFJS, "tfjs-tflite/dist/tf-tflite.min.js"),
};
const WASM_DIR = path.join(TFJS, "tfjs-tflite/wasm");

export interface TfliteJob {
  tflite: Uint8Array;
  /** Raw int8 values of the model's single input, one array per inference. */
  inputs: Int8Array[];
}

/** One node the TFLite interpreter executed (from its profiler), in execution order. */
export interface TfliteNode {
  /** A builtin op name ("SOFTMAX", "MEAN", …) or "TfLiteXNNPackDelegate" for a delegated partition. */
  nodeType: string;
  nodeName: string;
}

export interface TfliteRun {
  /** Per inference: every output's int8 bytes, concatenated in the subgraph's output order. */
  outputs: Int8Array[];
  /** Nodes of the execution plan after delegation (one inference's profile). */
  nodes: TfliteNode[];
  /** Builtin op names that ran outside XNNPACK, in execution order; the other ops ran in a delegate node. */
  notDelegated: string[];
  /** How many XNNPACK partitions the graph was cut into. */
  xnnpackPartitions: number;
}

export interface TfliteBatchInfo {
  /** WebAssembly features the runtime detected (SIMD picks tflite_web_api_cc_simd.wasm). */
  wasmFeatures: { simd: boolean; multiThreading: boolean };
  /** Wall time of the whole page load, ms. */
  ms: number;
}

const XNNPACK_NODE = "TfLiteXNNPackDelegate";

/** Why TFLite-in-Chromium cannot run here (for a test's skip reason), or null. */
export function tfliteBrowserUnavailable(): string | null {
  if (!findChromium()) return "no Chromium (Debian: apt-get install chromium)";
  for (const f of [...Object.values(SCRIPTS), path.join(WASM_DIR, "tflite_web_api_cc_simd.wasm")]) {
    if (!fs.existsSync(f)) return `${f} missing (npm ci installs @tensorflow/tfjs-tflite)`;
  }
  return null;
}

// The page: fetch the job list, run each model on all its inputs, POST outputs and metadata, then /done.
// Errors of one model are reported for that model; the others still run.
const PAGE_SCRIPT = `
(async () => {
  const post = (p, body) => fetch(p, { method: "POST", body });
  const list = (v) => (Array.isArray(v) ? v : Array.from({ length: v.size() }, (_, i) => v.get(i)));
  try {
    const job = await (await fetch("/job.json")).json();
    tfweb.tflite_web_api.setWasmPath("/wasm/");
    const wasmFeatures = await tfweb.tflite_web_api.getWasmFeatures();
    for (let m = 0; m < job.models; m++) {
      try {
        const model = await (await fetch("/model/" + m)).arrayBuffer();
        const inputs = new Int8Array(await (await fetch("/inputs/" + m)).arrayBuffer());
        const runner = await tfweb.TFLiteWebModelRunner.create(model, { numThreads: 1, enableProfiling: true });
        const ins = runner.getInputs();
        if (ins.length !== 1) throw new Error("the model has " + ins.length + " inputs; expected 1");
        if (ins[0].dataType !== "int8") throw new Error("input type " + ins[0].dataType + "; expected int8");
        const size = ins[0].data().length;
        if (inputs.length % size !== 0) throw new Error(inputs.length + " input bytes is not a multiple of the input size " + size + " (shape " + ins[0].shape + ")");
        const n = inputs.length / size;
        const outSize = runner.getOutputs().reduce((a, o) => a + o.data().length, 0);
        const result = new Int8Array(n * outSize);
        let nodes = null;
        for (let i = 0; i < n; i++) {
          runner.getInputs()[0].data().set(inputs.subarray(i * size, (i + 1) * size));
          if (!runner.infer()) throw new Error("infer() returned false on inference " + i);
          let off = i * outSize;
          for (const o of runner.getOutputs()) {
            if (o.dataType !== "int8") throw new Error("output type " + o.dataType + "; expected int8");
            const d = o.data();
            result.set(d, off);
            off += d.length;
          }
          if (i === 0) nodes = list(runner.getProfilingResults()).map((p) => ({ nodeType: p.nodeType, nodeName: p.nodeName }));
        }
        runner.cleanUp();
        await post("/output/" + m, result);
        await post("/meta/" + m, JSON.stringify({ nodes }));
      } catch (e) {
        await post("/meta/" + m, JSON.stringify({ error: String((e && e.stack) || e) }));
      }
    }
    await post("/done", JSON.stringify({ wasmFeatures }));
  } catch (e) {
    await post("/done", JSON.stringify({ error: String((e && e.stack) || e) }));
  }
})();
`;

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>tflite oracle</title></head><body>
<script src="/lib/tf-core.min.js"></script><script src="/lib/tf-tflite.min.js"></script><script src="/run.js"></script>
</body></html>`;

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/**
 * Runs several models in one Chromium page load (the runtime's 3.7 MB WebAssembly compiles once).
 * A model TFLite rejects is an Error naming the model's index and TFLite's message.
 */
export async function runTfliteBatchInChromium(jobs: TfliteJob[], opts: { timeoutMs?: number; info?: (i: TfliteBatchInfo) => void } = {}): Promise<TfliteRun[]> {
  const unavailable = tfliteBrowserUnavailable();
  if (unavailable) throw new Error(`runTfliteInChromium: ${unavailable}`);
  const inputBlobs = jobs.map((job, m) => {
    const size = job.inputs[0]?.length ?? 0;
    if (size === 0) throw new RangeError(`runTfliteInChromium: model ${m} has no inputs to run`);
    const all = new Int8Array(size * job.inputs.length);
    job.inputs.forEach((x, i) => {
      if (x.length !== size) throw new RangeError(`runTfliteInChromium: model ${m} input ${i} has ${x.length} values; input 0 has ${size}`);
      all.set(x, i * size);
    });
    return Buffer.from(all.buffer, all.byteOffset, all.byteLength);
  });
  const outputs = new Map<number, Buffer>();
  const metas = new Map<number, { nodes?: TfliteNode[]; error?: string }>();
  // Set by the page's final POST (a holder object, since the request handler assigns it later).
  const page: { done: { wasmFeatures?: TfliteBatchInfo["wasmFeatures"]; error?: string } | null } = { done: null };

  const server = http.createServer(async (req, res) => {
    const url = req.url ?? "/";
    const send = (status: number, type: string, body: string | Buffer) => {
      res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
      res.end(body);
    };
    try {
      if (req.method === "POST") {
        const body = await readBody(req);
        const [, kind, index] = url.split("/");
        if (kind === "output") outputs.set(Number(index), body);
        else if (kind === "meta") metas.set(Number(index), JSON.parse(body.toString("utf8")));
        else if (kind === "done") page.done = JSON.parse(body.toString("utf8"));
        return send(204, "text/plain", "");
      }
      if (url === "/" || url === "/index.html") return send(200, "text/html", PAGE);
      if (url === "/run.js") return send(200, "text/javascript", PAGE_SCRIPT);
      if (url === "/job.json") return send(200, "application/json", JSON.stringify({ models: jobs.length }));
      if (SCRIPTS[url]) return send(200, "text/javascript", fs.readFileSync(SCRIPTS[url]));
      const model = /^\/model\/(\d+)$/.exec(url);
      if (model) return send(200, "application/octet-stream", Buffer.from(jobs[Number(model[1])].tflite));
      const inputs = /^\/inputs\/(\d+)$/.exec(url);
      if (inputs) return send(200, "application/octet-stream", inputBlobs[Number(inputs[1])]);
      const wasm = /^\/wasm\/([\w.]+)$/.exec(url);
      if (wasm && fs.existsSync(path.join(WASM_DIR, wasm[1]))) {
        return send(200, wasm[1].endsWith(".wasm") ? "application/wasm" : "text/javascript", fs.readFileSync(path.join(WASM_DIR, wasm[1])));
      }
      send(404, "text/plain", `not found: ${url}`);
    } catch (error) {
      send(500, "text/plain", String(error));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const t0 = performance.now();
  try {
    const port = (server.address() as AddressInfo).port;
    // --dump-dom ends the browser once the page is idle and the virtual-time budget has run out; pending
    // fetches (our POSTs) hold virtual time, so every result has arrived when it exits.
    const run = await runChromium(`http://127.0.0.1:${port}/`, ["--dump-dom"], { timeoutMs: opts.timeoutMs ?? 120_000, virtualTimeMs: 600_000 });
    const finished = page.done;
    if (!finished) throw new Error(`runTfliteInChromium: the page did not finish (chromium exit ${run.code}):\n${run.stderr.slice(-2000)}`);
    if (finished.error) throw new Error(`runTfliteInChromium: the page failed: ${finished.error}`);
    opts.info?.({ wasmFeatures: finished.wasmFeatures!, ms: performance.now() - t0 });
    return jobs.map((job, m) => {
      const meta = metas.get(m);
      if (!meta) throw new Error(`runTfliteInChromium: no result for model ${m}`);
      if (meta.error) throw new Error(`runTfliteInChromium: TFLite failed on model ${m}: ${meta.error}`);
      const raw = outputs.get(m)!;
      const all = new Int8Array(raw.buffer, raw.byteOffset, raw.byteLength);
      const per = all.length / job.inputs.length;
      const nodes = meta.nodes ?? [];
      return {
        outputs: job.inputs.map((_, i) => all.slice(i * per, (i + 1) * per)),
        nodes,
        notDelegated: nodes.filter((n) => n.nodeType !== XNNPACK_NODE).map((n) => n.nodeType),
        xnnpackPartitions: nodes.filter((n) => n.nodeType === XNNPACK_NODE).length,
      };
    });
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

/** Runs one .tflite model in TFLite (WebAssembly, XNNPACK) in headless Chromium on each input. */
export async function runTfliteInChromium(tfliteBytes: Uint8Array, inputs: Int8Array[]): Promise<TfliteRun> {
  return (await runTfliteBatchInChromium([{ tflite: tfliteBytes, inputs }]))[0];
}
