// initBackend: default choice on this machine, COURSE_BACKEND / options handling, errors that name the
// bad value and the reason, idempotence, and that the course's wasm kernels get registered.
import { afterEach, expect, it, vi } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { MathBackendCPU } from "@tensorflow/tfjs-backend-cpu";
import { getBackendInfo, initBackend, NATIVE_PACKAGE, useOneThread } from "./backend";

function nativeInstalled(): boolean {
  try {
    require.resolve(NATIVE_PACKAGE);
    return true;
  } catch {
    return false;
  }
}

afterEach(() => {
  delete process.env.COURSE_BACKEND;
});

it("defaults to wasm with the course kernels when the native package is missing, and says why", async () => {
  delete process.env.COURSE_BACKEND;
  const info = await initBackend();
  if (nativeInstalled()) {
    expect(info.name).toBe("node");
    return;
  }
  expect(info).toMatchObject({ name: "wasm", tfBackend: "wasm" });
  expect(tf.getBackend()).toBe("wasm");
  expect(info.detail).toMatch(/tfjs-node-native is not installed/);
  expect(info.detail).toMatch(/course training kernels/);
  for (const kernel of ["Conv2DBackpropFilter", "DepthwiseConv2dNativeBackpropFilter", "DepthwiseConv2dNativeBackpropInput"]) {
    expect(tf.getKernel(kernel, "wasm"), kernel).toBeDefined();
  }
  expect(getBackendInfo()).toBe(info);
});

it("useOneThread leaves a one-thread backend as it is (threads.test.ts checks the threaded build)", async () => {
  const info = await initBackend();
  if (info.name !== "wasm" || info.threads !== 1) return; // COURSE_THREADS set for this run
  expect(useOneThread("a test")).toBe(info);
  expect(info.detail).not.toMatch(/a test/);
});

it("is idempotent", async () => {
  const first = await initBackend();
  const [second, third] = await Promise.all([initBackend(), initBackend()]);
  expect(second).toBe(first);
  expect(third).toBe(first);
});

it("rejects an unknown COURSE_BACKEND value, naming it and the choices", async () => {
  process.env.COURSE_BACKEND = "gpu-please";
  await expect(initBackend()).rejects.toThrow(/COURSE_BACKEND="gpu-please".*node, wasm, cpu/);
});

it("rejects an unknown options.backend value", async () => {
  await expect(initBackend({ backend: "tpu" as never })).rejects.toThrow(/"tpu".*expected one of node, wasm, cpu/);
});

it("COURSE_BACKEND=node fails with a clear reason when the native package cannot load", async () => {
  if (nativeInstalled()) return;
  process.env.COURSE_BACKEND = "node";
  await expect(initBackend()).rejects.toThrow(/COURSE_BACKEND=node: the native package tfjs-node-native is not installed.*use wasm/);
});

it("COURSE_BACKEND=cpu forces cpu, wins over options, and wasm can be requested back", async () => {
  process.env.COURSE_BACKEND = "cpu";
  const cpu = await initBackend({ backend: "wasm" });
  expect(cpu).toMatchObject({ name: "cpu", tfBackend: "cpu" });
  expect(cpu.detail).toMatch(/COURSE_BACKEND=cpu/);
  delete process.env.COURSE_BACKEND;
  const wasm = await initBackend({ backend: "wasm" });
  expect(wasm).toMatchObject({ name: "wasm", tfBackend: "wasm" });
  expect(wasm.detail).toMatch(/options.backend=wasm/);
});

it("silences tfjs's \"install our node backend\" banner, and no other warning", async () => {
  const BANNER = "Hi, looks like you are running TensorFlow.js in Node.js";
  const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
  const warned = () => warn.mock.calls.map((args) => args.map(String).join(" "));
  try {
    // Control: a cpu backend nobody silenced prints the banner on its first tensor, through console.warn.
    const fresh = new MathBackendCPU();
    fresh.write(new Float32Array([1]), [1], "float32");
    fresh.dispose();
    expect(warned().filter((w) => w.includes(BANNER))).toHaveLength(1);
    warn.mockClear();
    delete process.env.COURSE_BACKEND;
    await initBackend();
    const cpu = await initBackend({ backend: "cpu" });
    expect(cpu.tfBackend).toBe("cpu");
    tf.tidy(() => tf.tensor([1, 2, 3]).square().dataSync());
    tf.backend_util.warn("another tfjs warning");
    console.warn("a course warning");
    expect(warned()).toEqual(["another tfjs warning", "a course warning"]);
  } finally {
    warn.mockRestore();
    await initBackend({ backend: "wasm" });
  }
});

it("a bad COURSE_THREADS is an error naming it (never a cpu fallback), and so is a count other than the one the backend was built with", async () => {
  const saved = process.env.COURSE_THREADS;
  try {
    const info = await initBackend({ backend: "wasm" });
    const threads = info.threads ?? 0;
    expect(threads).toBeGreaterThanOrEqual(1);
    expect(info.detail).toMatch(new RegExp(`${threads} threads?: `));
    process.env.COURSE_THREADS = "zero";
    await expect(initBackend()).rejects.toThrow(/COURSE_THREADS="zero" is not a thread count/);
    expect(tf.getBackend()).toBe("wasm");
    process.env.COURSE_THREADS = String(threads + 1);
    await expect(initBackend()).rejects.toThrow(new RegExp(`asks for ${threads + 1} thread\\(s\\) but this process's wasm backend was built with ${threads}`));
    process.env.COURSE_THREADS = String(threads);
    expect((await initBackend()).threads).toBe(threads);
  } finally {
    if (saved === undefined) delete process.env.COURSE_THREADS;
    else process.env.COURSE_THREADS = saved;
  }
});
