// Closed-form cost of a PhiNet: walks the layer schedule of phinet-plan.ts through the cost ledger
// (ledger.ts, built on course-lib/primitives/cost.ts) without building a tfjs model. Parameters, MACs,
// flash and peak activation RAM are functions of the hyperparameters for a given input and depth:
// params = f(alpha, beta, t0), MACs = h(alpha, beta, t0), RAM = g(alpha, t0) (beta changes RAM only
// through the expansion of the last blocks, which are small). The tests check every figure against the
// profiler's measurement of the model phinet() builds, and params/MACs/shape against micromind itself.
import { resolvePadding } from "./common";
import { CostLedger, type LedgerTensor, type NetCost } from "./ledger";
import { phinetPlan, type PhiNetOptions, type PhiNetPlan } from "./phinet-plan";

export type { NetCost } from "./ledger";

/** Cost of the PhiNet these options describe (see phinet-plan.ts for the schedule and the options). */
export function phinetCost(options: PhiNetOptions): NetCost {
  return phinetPlanCost(phinetPlan(options));
}

export function phinetPlanCost(plan: PhiNetPlan): NetCost {
  const L = new CostLedger();
  let x: LedgerTensor = L.input(plan.input);
  const extra: LedgerTensor[] = [];
  const returned = new Set(plan.returnLayers);
  let pendingPad: [number, number, number, number] | null = null;

  plan.stages.forEach((stage, index) => {
    switch (stage.kind) {
      case "zeroPad":
        // Folded into the stem's depthwise conv when "same" is equivalent (see resolvePadding), unless
        // the padded tensor itself is requested as an output.
        if (returned.has(index)) x = L.zeroPad(x, stage.pad);
        else pendingPad = stage.pad;
        break;
      case "separableStem": {
        let padding: "same" | "valid" = "valid";
        if (pendingPad) {
          const r = resolvePadding(x.shape[0], x.shape[1], 3, stage.stride, pendingPad);
          if (r.mode === "zeroPad") x = L.zeroPad(x, r.pad);
          else padding = r.mode;
        }
        x = L.conv(x, { cOut: stage.cIn, k: 3, stride: stage.stride, padding, depthwise: true });
        x = L.conv(x, { cOut: stage.out, k: 1, padding: "valid" });
        x = L.elementwise(L.batchNorm(x));
        break;
      }
      case "convStem":
        x = L.conv(x, { cOut: stage.out, k: 3, padding: "valid" });
        break;
      case "activation":
        x = L.elementwise(x);
        break;
      case "batchNorm":
        x = L.batchNorm(x);
        break;
      case "maxPool":
        x = L.pool(x, [2, 2], [2, 2]);
        break;
      case "block": {
        const input = x;
        let y = x;
        if (stage.expanded !== null) {
          y = L.elementwise(L.batchNorm(L.conv(y, { cOut: stage.expanded, k: 1, padding: "valid" })));
        }
        y = L.elementwise(y); // spatial dropout
        const p = stage.padding;
        const r = resolvePadding(y.shape[0], y.shape[1], stage.kernel, stage.stride, [p, p, p, p]);
        if (r.mode === "zeroPad") y = L.zeroPad(y, r.pad);
        y = L.conv(y, { cOut: y.shape[2], k: stage.kernel, stride: stage.stride, padding: r.mode === "same" ? "same" : "valid", depthwise: true });
        y = L.elementwise(L.batchNorm(y));
        if (stage.seUnits > 0) {
          const c = y.shape[2];
          let g = L.reshape(L.globalAveragePool(y), [1, 1, c]);
          g = L.elementwise(L.conv(g, { cOut: stage.seUnits, k: 1, padding: "valid" }));
          g = L.elementwise(L.conv(g, { cOut: c, k: 1, padding: "valid" }));
          y = L.merge(y, g);
        }
        y = L.batchNorm(L.conv(y, { cOut: stage.out, k: 1, padding: "valid" }));
        x = stage.skip ? L.merge(y, input) : y;
        break;
      }
    }
    if (returned.has(index)) extra.push(x);
  });
  if (plan.head) x = L.dense(L.globalAveragePool(x), plan.head.classes, true);
  return L.finish([x, ...extra]);
}
