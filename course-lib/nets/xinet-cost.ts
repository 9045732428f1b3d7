// Closed-form cost of a XiNet: walks the schedule of xinet-plan.ts through the cost ledger (ledger.ts,
// built on course-lib/primitives/cost.ts) without building a tfjs model: params and MACs as functions of
// (alpha, gamma) for a given input and depth, plus flash and peak activation RAM. The tests compare it
// with the profiler's measurement of the model xinet() builds and with micromind's own counts.
import { resolvePadding } from "./common";
import { CostLedger, type LedgerTensor, type NetCost } from "./ledger";
import { xinetPlan, type XiNetOptions, type XiNetPlan } from "./xinet-plan";

export function xinetCost(options: XiNetOptions): NetCost {
  return xinetPlanCost(xinetPlan(options));
}

export function xinetPlanCost(plan: XiNetPlan): NetCost {
  const L = new CostLedger();
  let x: LedgerTensor = L.input(plan.input);
  const r = resolvePadding(plan.input[0], plan.input[1], 7, 2, [3, 3, 3, 3]);
  if (r.mode === "zeroPad") x = L.zeroPad(x, r.pad);
  x = L.conv(x, { cOut: plan.stem.out, k: 7, stride: 2, padding: r.mode === "same" ? "same" : "valid" });
  x = L.elementwise(L.batchNorm(x));
  let skipSource: LedgerTensor | null = null;
  const extra: LedgerTensor[] = [];
  plan.layers.forEach((layer, index) => {
    let s: LedgerTensor | null = null;
    if (layer.skip) {
      s = skipSource as LedgerTensor;
      if (layer.skip.window) s = L.pool(s, layer.skip.window.pool, layer.skip.window.stride);
      s = L.conv(s, { cOut: layer.compressed, k: 1, padding: "valid" });
    }
    if (layer.compression > 1) x = L.conv(x, { cOut: layer.compressed, k: 1, padding: "valid" });
    if (s) x = L.merge(x, s);
    if (layer.pool) x = L.pool(x, [2, 2], [2, 2]);
    x = L.elementwise(L.batchNorm(L.conv(x, { cOut: layer.cOut, k: 3, padding: "same" })));
    if (layer.attention > 0) {
      let att = L.conv(x, { cOut: layer.attention, k: 1, padding: "valid" });
      att = L.elementwise(L.conv(att, { cOut: layer.cOut, k: 3, padding: "same" }));
      x = L.merge(x, att);
    }
    if (index === 0) skipSource = x;
    if (plan.returnLayers.includes(index)) extra.push(x);
  });
  if (plan.head) x = L.dense(L.globalAveragePool(x), plan.head.classes, true);
  return L.finish([x, ...extra]);
}
