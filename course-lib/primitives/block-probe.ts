// Probing a built residual / inverted-residual block from the outside, for the graded tests of lessons 02
// and 03: whether the block adds its input back (the skip) is read from its output, not from how the
// learner named or ordered the layers.
import * as tf from "@tensorflow/tfjs";

/**
 * The block's output for a random input once the projection's batch norm is zeroed (gamma = beta = 0):
 * the input itself when the block has a skip connection, zeros when it has none. The projection's batch
 * norm is the one feeding the Add (or the model output); the last batch norm when no layer says so.
 * Changes that layer's weights: probe a model built for the purpose.
 */
export function outputWithZeroedProjection(model: tf.LayersModel, shape: [number, number, number]): { input: Float32Array; output: Float32Array } {
  const bns = model.layers.filter((l) => l.getClassName() === "BatchNormalization");
  if (bns.length === 0) throw new Error(`outputWithZeroedProjection: model "${model.name}" has no BatchNormalization layer to zero`);
  const projection = bns.find((l) => {
    const outbound = (l as unknown as { outboundNodes: { outboundLayer: tf.layers.Layer }[] }).outboundNodes;
    return outbound.length === 0 || outbound.some((n) => n.outboundLayer.getClassName() === "Add");
  }) ?? bns[bns.length - 1];
  projection.setWeights(projection.getWeights().map((w, i) => (i < 2 ? tf.zerosLike(w) : w)));
  const x = tf.randomUniform([1, ...shape], -1, 1, "float32", 3);
  const y = model.predict(x) as tf.Tensor;
  const result = { input: x.dataSync() as Float32Array, output: y.dataSync() as Float32Array };
  tf.dispose([x, y]);
  return result;
}
