// Hard-swish activation, x * relu6(x + 3) / 6 (MobileNetV3), as a tfjs layer. tfjs has no built-in
// hard-swish, so this is a custom layer; it is registered with tf.serialization so that a model using it
// survives model.save() / tf.loadLayersModel() (importing this module is enough to register it).
import * as tf from "@tensorflow/tfjs";

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
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      return tf.div(tf.mul(x, tf.relu6(tf.add(x, 3))), 6);
    });
  }
}

tf.serialization.registerClass(HardSwish);

/** Reference hard-swish on plain numbers (for tests and for explaining the curve). */
export function hardSwish(x: number): number {
  return (x * Math.min(Math.max(x + 3, 0), 6)) / 6;
}
