// A cost ledger for a whole network, written against the closed forms of course-lib/primitives/cost.ts
// and independent of tfjs: the PhiNet/XiNet cost functions (phinet-cost.ts, xinet-cost.ts) walk their
// layer schedule through it and get parameters, MACs, output shape, flash bytes and peak activation RAM
// without building a model. The tests compare every figure with the profiler's measurement of the built
// tfjs model, so the two are independent derivations of the same numbers.
//
// It follows the profiler's conventions (course-lib/profiler/profile.ts header), re-derived here:
// - flash int8: conv kernels 1 byte per weight + a float32 scale per output channel, biases 4 bytes;
//   a batch-norm right after a conv is folded into it (adds a 4-byte bias per channel when the conv has
//   none), any other batch-norm costs 2 bytes per channel + two float32 scales. float32: 4 bytes a value.
// - peak RAM: one op at a time in tfjs's execution order (deepest first by longest path to an output,
//   ties in creation order); each op writes a new buffer that lives until its last reader, except
//   element-wise single-input ops (batch-norm, activations, dropout, reshape) whose input has no other
//   reader: they reuse that buffer. The model input is a buffer of its own.
import {
  batchNormCost, conv2dCost, convOutputSize, denseCost, depthwiseConvCost, type Cost,
} from "../primitives/cost";

/** A tensor in the ledger: channels-last shape without the batch axis. */
export interface LedgerTensor {
  id: number;
  shape: number[];
}

type OpKind = "input" | "conv" | "dense" | "bn" | "elementwise" | "reshape" | "other";

interface LedgerOp {
  kind: OpKind;
  inputs: number[];
  output: number;
  elements: number;
}

export interface NetCost {
  params: { trainable: number; nonTrainable: number; total: number };
  macs: number;
  /** Output shape of the (first) model output, channels-last [H, W, C], or [numClasses] with a head. */
  outShape: number[];
  flash: { int8: number; float32: number };
  peakRam: { int8: number; float32: number };
  peakElements: number;
}

const product = (s: number[]): number => s.reduce((a, b) => a * b, 1);

export class CostLedger {
  private ops: LedgerOp[] = [];
  private shapes: number[][] = [];
  private params = { trainable: 0, nonTrainable: 0 };
  private macs = 0;
  private flash = { int8: 0, float32: 0 };
  private convHasBias = new Map<number, boolean>();

  private add(kind: OpKind, inputs: LedgerTensor[], shape: number[]): LedgerTensor {
    const id = this.shapes.length;
    this.shapes.push(shape);
    this.ops.push({ kind, inputs: inputs.map((t) => t.id), output: id, elements: product(shape) });
    return { id, shape };
  }

  private charge(cost: Cost): void {
    this.params.trainable += cost.trainableParams;
    this.params.nonTrainable += cost.nonTrainableParams;
    this.macs += cost.macs;
  }

  input(shape: number[]): LedgerTensor {
    return this.add("input", [], shape);
  }

  /** Standard or grouped conv ("same" / "valid" / symmetric numeric padding), kernel k x k. */
  conv(x: LedgerTensor, spec: { cOut: number; k: number; stride?: number; padding: "same" | "valid"; bias?: boolean; depthwise?: boolean }): LedgerTensor {
    const [h, w, c] = x.shape;
    const bias = spec.bias ?? false;
    const cost = spec.depthwise
      ? depthwiseConvCost({ c, k: spec.k, h, w, stride: spec.stride ?? 1, padding: spec.padding, bias })
      : conv2dCost({ cIn: c, cOut: spec.cOut, k: spec.k, h, w, stride: spec.stride ?? 1, padding: spec.padding, bias });
    this.charge(cost);
    const outC = cost.outputShape[2];
    const weights = cost.params - (bias ? outC : 0);
    this.flash.float32 += 4 * cost.params;
    this.flash.int8 += weights + 4 * outC + (bias ? 4 * outC : 0);
    const y = this.add("conv", [x], cost.outputShape);
    this.convHasBias.set(y.id, bias);
    return y;
  }

  /** Batch-norm; folded into the producing conv/dense when it directly follows one (its only reader). */
  batchNorm(x: LedgerTensor): LedgerTensor {
    const c = x.shape[x.shape.length - 1];
    this.charge(batchNormCost({ c }));
    const producer = this.ops[x.id];
    if (producer.kind === "conv" || producer.kind === "dense") {
      const hasBias = this.convHasBias.get(x.id) ?? false;
      if (!hasBias) {
        this.flash.float32 += 4 * c;
        this.flash.int8 += 4 * c;
      }
    } else {
      this.flash.float32 += 8 * c;
      this.flash.int8 += 2 * c + 8;
    }
    return this.add("bn", [x], x.shape);
  }

  dense(x: LedgerTensor, units: number, bias = true): LedgerTensor {
    const inUnits = x.shape[x.shape.length - 1];
    const cost = denseCost({ inUnits, outUnits: units, bias });
    this.charge(cost);
    this.flash.float32 += 4 * cost.params;
    this.flash.int8 += inUnits * units + 4 * units + (bias ? 4 * units : 0);
    const y = this.add("dense", [x], [units]);
    this.convHasBias.set(y.id, bias);
    return y;
  }

  /** Activation, dropout: element-wise, may run in place. */
  elementwise(x: LedgerTensor): LedgerTensor {
    return this.add("elementwise", [x], x.shape);
  }

  reshape(x: LedgerTensor, shape: number[]): LedgerTensor {
    return this.add("reshape", [x], shape);
  }

  zeroPad(x: LedgerTensor, pad: [number, number, number, number]): LedgerTensor {
    const [h, w, c] = x.shape;
    return this.add("other", [x], [h + pad[0] + pad[1], w + pad[2] + pad[3], c]);
  }

  /** Max or average pooling, "valid", square window. */
  pool(x: LedgerTensor, pool: [number, number], stride: [number, number]): LedgerTensor {
    const [h, w, c] = x.shape;
    const oh = convOutputSize(h, pool[0], stride[0], "valid", 1, "input height", "pool");
    const ow = convOutputSize(w, pool[1], stride[1], "valid", 1, "input width", "pool");
    return this.add("other", [x], [oh, ow, c]);
  }

  globalAveragePool(x: LedgerTensor): LedgerTensor {
    return this.add("other", [x], [x.shape[2]]);
  }

  /** Add or multiply of two tensors (broadcasting the second): a new buffer of the first's shape. */
  merge(a: LedgerTensor, b: LedgerTensor): LedgerTensor {
    return this.add("other", [a, b], a.shape);
  }

  /** Totals, with peak RAM for the given model outputs (the first is the reported output shape). */
  finish(outputs: LedgerTensor[]): NetCost {
    const peakElements = this.peakElements(outputs.map((t) => t.id));
    const trainable = this.params.trainable;
    const nonTrainable = this.params.nonTrainable;
    return {
      params: { trainable, nonTrainable, total: trainable + nonTrainable },
      macs: this.macs,
      outShape: outputs[0].shape,
      flash: { ...this.flash },
      peakRam: { int8: peakElements, float32: 4 * peakElements },
      peakElements,
    };
  }

  private peakElements(outputIds: number[]): number {
    const n = this.ops.length;
    const consumers: number[][] = Array.from({ length: n }, () => []);
    this.ops.forEach((op, i) => op.inputs.forEach((t) => consumers[t].push(i)));
    // Depth = longest path to a model output (outputs have depth 0), as tfjs's Container computes it.
    const depth = new Array<number>(n).fill(-1);
    const isOutput = new Set(outputIds);
    for (let i = n - 1; i >= 0; i--) {
      let d = isOutput.has(i) ? 0 : -1;
      for (const c of consumers[i]) if (depth[c] >= 0) d = Math.max(d, depth[c] + 1);
      depth[i] = d;
    }
    const order = this.ops.map((_, i) => i).filter((i) => depth[i] >= 0).sort((a, b) => depth[b] - depth[a] || a - b);
    const stepOf = new Map<number, number>();
    order.forEach((opIndex, step) => stepOf.set(opIndex, step));
    const lastUse = (t: number, step: number): number =>
      isOutput.has(t) ? Infinity : Math.max(step, ...consumers[t].filter((c) => stepOf.has(c)).map((c) => stepOf.get(c) as number));
    const onlyReader = (t: number): boolean => consumers[t].filter((c) => stepOf.has(c)).length === 1 && !isOutput.has(t);
    interface Buf { elements: number; lastUse: number }
    const bufferOf = new Map<number, Buf>();
    let peak = 0;
    order.forEach((opIndex, step) => {
      const op = this.ops[opIndex];
      const inKey = op.inputs[0];
      const inPlace =
        (op.kind === "bn" || op.kind === "elementwise" || op.kind === "reshape") && op.inputs.length === 1 && onlyReader(inKey) &&
        this.ops[inKey].kind !== "input" && this.ops[inKey].elements === op.elements;
      const reused = inPlace ? bufferOf.get(inKey) : undefined;
      if (reused) {
        reused.lastUse = lastUse(op.output, step);
        bufferOf.set(op.output, reused);
      } else {
        bufferOf.set(op.output, { elements: op.elements, lastUse: lastUse(op.output, step) });
      }
      const live = [...new Set(bufferOf.values())].filter((b) => b.lastUse >= step);
      peak = Math.max(peak, live.reduce((s, b) => s + b.elements, 0));
    });
    return peak;
  }
}
