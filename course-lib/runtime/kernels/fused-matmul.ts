// Dense layer (matMul + bias + ReLU) as one forward kernel with lazy gradients on wasm
// (tf.fused.matMul), the dense-layer counterpart of fused-conv.ts.
//
// tfjs-layers' dense layers call tf.fused.matMul({a: x, b: kernel, bias, activation}). In training
// tfjs-core then runs matMul, add and relu as three kernels (relu), or (linear) a customGrad whose
// gradient computes both matrix gradients eagerly. fusedMatMul runs the wasm backend's _FusedMatMul
// (XNNPACK applies bias and ReLU in the product) under the course kernel name CourseFusedMatMul, whose
// gradient has one closure per input: dA = dy'·Bᵀ, dB = Aᵀ·dy', dBias = Σ dy' over rows, with
// dy' = dy where y > 0 for ReLU (one SIMD pass, CourseReluGrad on the saved output).
//
// installFusedMatMul() puts it in tfjs-core's CommonJS `fused` object (read at call time by tf.fused
// and tfjs-layers). Other cases (other backends, activations, transposes, batched or non-float32
// operands, prelu, a bias that is not one value per output column) run tfjs-core's own op.
import * as tf from "@tensorflow/tfjs";
import { Attrs, Inputs, reshapedView, runStock, WasmBackend } from "./wasm-util";

/** [m, k] @ [k, n] (+ bias [n]) with the activation, as the stock _FusedMatMul on rank-3 views. */
export function fusedMatMulForward(args: { inputs: Inputs; backend: WasmBackend; attrs: Attrs }): tf.TensorInfo {
  const { inputs: { a, b, bias }, backend, attrs } = args;
  const [m, k] = a.shape, n = b.shape[1];
  const inputs: Inputs = { a: reshapedView(a, [1, m, k]), b: reshapedView(b, [1, k, n]) };
  if (bias) inputs.bias = bias;
  const out = runStock("_FusedMatMul", inputs, { transposeA: false, transposeB: false, activation: attrs.activation, leakyreluAlpha: 0 }, backend);
  return reshapedView(out, [m, n]);
}

type FusedMatMulArgs = Parameters<typeof tf.fused.matMul>[0];
type FusedMatMulFn = (args: FusedMatMulArgs) => tf.Tensor;

let stockFusedMatMul: FusedMatMulFn | undefined;
let gradientRegistered = false;

function registerFusedMatMulGradient(): void {
  if (gradientRegistered) return;
  tf.registerGradient({
    kernelName: "CourseFusedMatMul",
    inputsToSave: ["a", "b"],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [a, b, y] = saved;
      // Shared by all three gradients, so computed once here (disposed after the backward pass).
      const dyAct = (attrs as unknown as { activation: string }).activation === "relu"
        ? (tf.engine().runKernel("CourseReluGrad", { x: y, dy: dy as tf.Tensor }) as tf.Tensor)
        : (dy as tf.Tensor);
      return {
        a: () => tf.matMul(dyAct, b, false, true),
        b: () => tf.matMul(a, dyAct, true, false),
        bias: () => tf.sum(dyAct, 0),
      };
    },
  });
  gradientRegistered = true;
}

/**
 * tf.fused.matMul with the course's fused kernel and lazy gradients on wasm (rank-2 float32 operands,
 * no transposes, activation relu or linear, bias absent or [n]); tfjs-core's op otherwise. Installed
 * as tfjs-core's `fused.matMul` by installFusedMatMul; also callable directly.
 */
export function fusedMatMul(args: FusedMatMulArgs): tf.Tensor {
  const { a, b, transposeA = false, transposeB = false, bias, activation = "linear", preluActivationWeights } = args;
  if (
    tf.getBackend() === "wasm" && tf.getKernel("CourseFusedMatMul", "wasm") &&
    a instanceof tf.Tensor && a.rank === 2 && a.dtype === "float32" &&
    b instanceof tf.Tensor && b.rank === 2 && b.dtype === "float32" && a.shape[1] === b.shape[0] &&
    !transposeA && !transposeB && (activation === "relu" || activation === "linear") && preluActivationWeights == null &&
    (bias == null || (bias instanceof tf.Tensor && bias.dtype === "float32" && bias.rank === 1 && bias.shape[0] === b.shape[1]))
  ) {
    registerFusedMatMulGradient();
    const inputs: Record<string, tf.Tensor> = bias == null ? { a, b } : { a, b, bias: bias as tf.Tensor };
    return tf.engine().runKernel("CourseFusedMatMul", inputs, { activation } as unknown as tf.NamedAttrMap) as tf.Tensor;
  }
  return (stockFusedMatMul ?? tf.fused.matMul)(args);
}

/**
 * Replaces tfjs-core's `fused.matMul` (the CommonJS `fused` object) with fusedMatMul, once. Under
 * vitest tfjs is an ES module whose namespace cannot change; the tests call fusedMatMul directly.
 */
export function installFusedMatMul(): void {
  registerFusedMatMulGradient();
  if (stockFusedMatMul) return;
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const core = require("@tensorflow/tfjs-core") as { fused: { matMul: FusedMatMulFn } };
  const stock = core.fused.matMul;
  if (stock === fusedMatMul) return;
  try {
    core.fused.matMul = fusedMatMul as FusedMatMulFn;
  } catch {
    return; // a frozen ES-module namespace: keep the stock op (see above)
  }
  if (core.fused.matMul === fusedMatMul) stockFusedMatMul = stock;
}
