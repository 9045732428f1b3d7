// A fused Adam step for the wasm backend. tfjs-core's AdamOptimizer runs ~12 small ops per variable
// and step (mul, add, square, div, sqrt, ..., three assigns); a PhiNet-like model has ~80 variables,
// so ~1000 kernel calls per training step, each with tens of microseconds of engine overhead. Here each
// variable takes one kernel (CourseAdamUpdate, a SIMD loop in simd.wat) computing the same float32
// operations in the same order, so results match the stock optimizer (checked against cpu in
// training-step.test.ts over several steps).
//
// How it is used: installFusedAdam() wraps AdamOptimizer.prototype.applyGradients, so every
// tf.train.adam(...) and model.compile({ optimizer: "adam" }) gets it with no code change. The wrapper
// runs the fused step only while the wasm backend is active and the gradients are float32; otherwise
// (cpu, native backend) the stock method runs unchanged. State (moments, accBeta1/2, iterations)
// is kept in the optimizer's own fields, so getWeights/setWeights and saving work as before.
import * as tf from "@tensorflow/tfjs";
import { ptr, simd } from "./simd";
import { Attrs, f32, Inputs, newF32, runCourseKernel, WasmBackend } from "./wasm-util";

/** CourseAdamUpdate(value, m, v, gradient, c1, c2) → [value', m', v']; c1/c2 = 1 - beta^t as scalars. */
export function adamUpdate(args: { inputs: Inputs; backend: WasmBackend; attrs: Attrs }): tf.TensorInfo[] {
  const { inputs: { value, m, v, gradient, c1, c2 }, backend, attrs } = args;
  for (const [name, t] of Object.entries({ m, v, gradient })) {
    if (t.dtype !== "float32" || t.shape.join() !== value.shape.join()) {
      throw new Error(`CourseAdamUpdate: ${name} must be float32 of shape [${value.shape}], got ${t.dtype} [${t.shape}]`);
    }
  }
  const n = tf.util.sizeFromShape(value.shape);
  const outs = [newF32(backend, value.shape.slice()), newF32(backend, value.shape.slice()), newF32(backend, value.shape.slice())];
  const fr = Math.fround;
  const b1 = fr(attrs.beta1 as number), b2 = fr(attrs.beta2 as number);
  const omb1 = fr(1 - (attrs.beta1 as number)), omb2 = fr(1 - (attrs.beta2 as number));
  const eps = fr(attrs.epsilon as number), negLr = fr(-(attrs.learningRate as number));
  const c1v = f32(backend, c1)[0], c2v = f32(backend, c2)[0];
  simd(backend).adam_update(
    ptr(backend, value), ptr(backend, m), ptr(backend, v), ptr(backend, gradient),
    ptr(backend, outs[0]), ptr(backend, outs[1]), ptr(backend, outs[2]), n, b1, omb1, b2, omb2, c1v, c2v, eps, negLr,
  );
  // The last 0-3 values in JS, rounding every step to float32 like the SIMD lanes.
  const [w, mv, vv, g] = [value, m, v, gradient].map((t) => f32(backend, t));
  const [ow, om, ov] = outs.map((t) => f32(backend, t));
  for (let i = n & ~3; i < n; i++) {
    const nm = fr(fr(mv[i] * b1) + fr(g[i] * omb1));
    const nv = fr(fr(vv[i] * b2) + fr(fr(g[i] * g[i]) * omb2));
    om[i] = nm;
    ov[i] = nv;
    ow[i] = fr(fr(fr(fr(nm / c1v) / fr(fr(Math.sqrt(fr(nv / c2v))) + eps)) * negLr) + w[i]);
  }
  return outs;
}

export const ADAM_KERNELS = { CourseAdamUpdate: adamUpdate };

/** The fields of tfjs-core's AdamOptimizer the fused step reads and updates. */
interface AdamInternals {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: { originalName: string; variable: tf.Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: tf.Variable }[];
  incrementIterations(): void;
}

/** What applyGradients accepts: a name → gradient map or a list of { name, tensor }. */
type NamedGradient = { name: string; tensor: tf.Tensor };
type VariableGradients = tf.NamedTensorMap | NamedGradient[];

let installed = false;

function fusedApplyGradients(opt: AdamInternals, variableGradients: VariableGradients): void {
  const list = Array.isArray(variableGradients);
  const names = list ? (variableGradients as NamedGradient[]).map((v) => v.name) : Object.keys(variableGradients);
  tf.tidy(() => {
    const c1 = tf.sub(1, opt.accBeta1);
    const c2 = tf.sub(1, opt.accBeta2);
    const attrs = { beta1: opt.beta1, beta2: opt.beta2, epsilon: opt.epsilon, learningRate: opt.learningRate };
    names.forEach((name, i) => {
      const value = tf.engine().registeredVariables[name];
      // Same slot bookkeeping as the stock optimizer (names and order matter for getWeights).
      opt.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
      opt.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
      const gradient = list ? (variableGradients as NamedGradient[])[i].tensor : (variableGradients as tf.NamedTensorMap)[name];
      if (gradient == null) return;
      const m = opt.accumulatedFirstMoment[i].variable, v = opt.accumulatedSecondMoment[i].variable;
      const [newValue, newM, newV] = runCourseKernel("CourseAdamUpdate", { value, m, v, gradient, c1, c2 }, attrs) as tf.Tensor[];
      m.assign(newM);
      v.assign(newV);
      value.assign(newValue);
    });
    opt.accBeta1.assign(tf.mul(opt.accBeta1, opt.beta1));
    opt.accBeta2.assign(tf.mul(opt.accBeta2, opt.beta2));
  });
  opt.incrementIterations();
}

/** Wraps AdamOptimizer.prototype.applyGradients (once) with the fused wasm step. */
export function installFusedAdam(): void {
  if (installed) return;
  const proto = tf.AdamOptimizer.prototype as unknown as { applyGradients(g: VariableGradients): void };
  const stock = proto.applyGradients;
  proto.applyGradients = function (this: AdamInternals, variableGradients: VariableGradients) {
    const grads = Array.isArray(variableGradients) ? variableGradients.map((v) => v.tensor) : Object.values(variableGradients);
    const fusable =
      tf.getBackend() === "wasm" && tf.getKernel("CourseAdamUpdate", "wasm") !== undefined &&
      grads.every((g) => g == null || g.dtype === "float32");
    if (!fusable) return stock.call(this, variableGradients);
    fusedApplyGradients(this, variableGradients);
  };
  installed = true;
}
