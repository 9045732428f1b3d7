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
    "adam_update", "add_channels", "batchnorm_forward", "batchnorm_grad", "channel_sq_dev", "channel_sums", "col2im", "depthwise_filter_tap", "hard_swish",
    "hard_swish_grad", "im2col_row", "im2col_rows4", "maxpool_grad_row", "relu6_grad", "relu_grad", "square", "square_grad", "sub_channels", "sum_all",
    "transpose",
  ]);
  expect(WebAssembly.Module.imports(module)).toEqual([{ module: "env", name: "memory", kind: "memory" }]);
});
