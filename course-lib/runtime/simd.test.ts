// The committed SIMD binary (kernels/simd-module.ts) must be the compilation of kernels/simd.wat, or a
// kernel edit in the .wat would silently not ship. Needs wabt's wat2wasm (Debian package `wabt`);
// without it this check is skipped and says so.
import { execFileSync } from "child_process";
import { expect, it } from "vitest";
import { compileSimdWat, moduleSource } from "./kernels/build-simd";
import * as fs from "fs";
import * as path from "path";

function hasWat2wasm(): boolean {
  try {
    execFileSync("wat2wasm", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

it.skipIf(!hasWat2wasm())("simd-module.ts is up to date with simd.wat (else: npx tsx course-lib/runtime/kernels/build-simd.ts)", () => {
  const committed = fs.readFileSync(path.join(__dirname, "kernels", "simd-module.ts"), "utf8");
  expect(committed).toBe(moduleSource(compileSimdWat()));
});

it("the SIMD module compiles and exports every loop the kernels call", async () => {
  const { SIMD_WASM_BASE64 } = await import("./kernels/simd-module");
  const module = new WebAssembly.Module(Buffer.from(SIMD_WASM_BASE64, "base64"));
  const exports = WebAssembly.Module.exports(module).map((e) => e.name).sort();
  expect(exports).toEqual([
    "adam_update", "add_channels", "batchnorm_forward", "batchnorm_grad", "channel_sq_dev", "channel_sums", "col2im", "conv1ch_forward",
    "conv_filter_grad", "depthwise_filter_tap", "depthwise_input_tap", "hard_swish",
    "hard_swish_grad", "im2col_row", "im2col_rows4", "mac_peak", "maxpool_grad_row", "relu6_grad", "relu_grad", "square", "square_grad", "sub_channels", "sum_all",
    "transpose",
  ]);
  expect(WebAssembly.Module.imports(module)).toEqual([{ module: "env", name: "memory", kind: "memory" }]);
});

it("the shared-memory variant (for the threaded build) links against a shared memory and computes the same", async () => {
  const { SIMD_WASM_BASE64 } = await import("./kernels/simd-module");
  const { withSharedMemoryImport } = await import("./kernels/simd");
  const bytes = Buffer.from(SIMD_WASM_BASE64, "base64");
  const sharedBytes = withSharedMemoryImport(bytes);
  // Only the import's limits change (flag 0/1 → 3 and a maximum): a few bytes, same exports.
  expect(Math.abs(sharedBytes.length - bytes.length)).toBeLessThan(8);
  const plain = new WebAssembly.Memory({ initial: 1 });
  const shared = new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true });
  expect(() => new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory: shared } })).toThrow();
  const results = [plain, shared].map((memory, k) => {
    const module = new WebAssembly.Module(k ? sharedBytes : bytes);
    const { square } = new WebAssembly.Instance(module, { env: { memory } }).exports as { square(x: number, out: number, n: number): void };
    const view = new Float32Array(memory.buffer);
    for (let i = 0; i < 16; i++) view[i] = i - 7.5;
    square(0, 64, 16);
    return Array.from(view.subarray(16, 32));
  });
  expect(results[1]).toEqual(results[0]);
  expect(results[0][0]).toBe(56.25);
  expect(WebAssembly.Module.exports(new WebAssembly.Module(sharedBytes)).length).toBe(24);
});

it("mac_peak, the ceiling probe, does the multiply-adds it claims: 128 a round over the 1 KiB it cycles through", async () => {
  const { SIMD_WASM_BASE64 } = await import("./kernels/simd-module");
  const { MAC_PEAK_MACS_PER_ROUND } = await import("./kernels/simd");
  const memory = new WebAssembly.Memory({ initial: 1 });
  const { mac_peak } = new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(SIMD_WASM_BASE64, "base64")), { env: { memory } })
    .exports as { mac_peak(iters: number, w: number): number };
  const w = new Float32Array(memory.buffer, 1024, 256);
  for (let i = 0; i < 256; i++) w[i] = (i % 7) - 3; // small integers: every sum is exact in float32
  // Reference: round r reads the 128 bytes at (r * 128) mod 1024 as 4 steps of two 4-lane vectors, each
  // multiplied by the splats 1, 2, 3 and 4 into its own accumulators; the result is the sum of all lanes.
  const rounds = 11; // wraps around the 1 KiB once
  let expected = 0;
  for (let r = 0; r < rounds; r++) {
    const first = ((r * 32) % 256);
    for (let k = 0; k < 32; k++) expected += (1 + 2 + 3 + 4) * w[first + k];
  }
  expect(mac_peak(rounds, 1024)).toBe(expected);
  expect(mac_peak(0, 1024)).toBe(0);
  expect(MAC_PEAK_MACS_PER_ROUND).toBe(4 * 2 * 4 * 4); // steps × vectors × splats × lanes
});
