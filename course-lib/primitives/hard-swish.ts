// Hard activations of MobileNetV3 and PhiNet as tfjs layers: hard-swish x * relu6(x + 3) / 6 and
// hard-sigmoid relu6(x + 3) / 6 (the squeeze-excite gate; PyTorch's nn.Hardswish / nn.Hardsigmoid).
// tfjs has neither (its 'hardSigmoid' activation is Keras' 0.2x + 0.5), so these are custom layers,
// registered with tf.serialization so that a model using them survives save / loadLayersModel
// (importing this module is enough to register them). Hard-swish runs the runtime's fused op: one
// kernel each way on the course's wasm backend, the composed tfjs ops on any other backend.
import * as tf from "@tensorflow/tfjs";
import { hardSwish as hardSwishOp } from "../runtime/kernels/index";

export class HardSwish extends tf.layers.Layer {
  /** Name written to model.json; tf.serialization looks the class up by it when loading. */
  static className = "HardSwish";

  constructor(args: { name?: string; trainable?: boolean } = {}) {
    super(args);
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return hardSwishOp(Array.isArray(inputs) ? inputs[0] : inputs);
  }
}

export class HardSigmoid extends tf.layers.Layer {
  static className = "HardSigmoid";

  constructor(args: { name?: string; trainable?: boolean } = {}) {
    super(args);
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      return tf.div(tf.relu6(tf.add(x, 3)), 6);
    });
  }
}

tf.serialization.registerClass(HardSwish);
tf.serialization.registerClass(HardSigmoid);

/** Reference hard-swish on plain numbers (for tests and for explaining the curve). */
export function hardSwish(x: number): number {
  return (x * Math.min(Math.max(x + 3, 0), 6)) / 6;
}
