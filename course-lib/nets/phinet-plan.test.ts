// phinetStageRows: the stem and blocks of a plan as rows, named the way lesson 03 explains them.
import { describe, expect, it } from "vitest";
import { phinetPlan, phinetStageRows } from "./phinet-plan";

describe("phinetStageRows", () => {
  it("lists the stem, the first block (no id) and blocks by id, with sizes, widths and strides", () => {
    const rows = phinetStageRows(phinetPlan({ inputShape: [3, 96, 96], alpha: 0.5, beta: 0.75, t0: 6, numLayers: 7 }));
    expect(rows.map((r) => r.name)).toEqual(["stem", "first block", "id 1", "id 2", "id 3", "id 4", "id 5", "id 6", "id 7"]);
    expect(rows[0]).toEqual({ name: "stem", blockId: null, size: [48, 48], cIn: 3, expanded: 3, out: 24, stride: 2, skip: false });
    expect(rows[1]).toMatchObject({ blockId: null, cIn: 24, expanded: 24, out: 12, stride: 1 });
    expect(rows[2]).toMatchObject({ blockId: 1, size: [24, 24], cIn: 12, expanded: 69, out: 12, stride: 2, skip: false });
    // The default downsamplingLayers [5, 7], with ids 1 and 3, halve the resolution.
    expect(rows.filter((r) => r.stride === 2).map((r) => r.name)).toEqual(["stem", "id 1", "id 3", "id 5", "id 7"]);
  });

  it("covers the conv2dInput stem and leaves out pooling stages", () => {
    const rows = phinetStageRows(phinetPlan({ inputShape: [3, 64, 64], conv2dInput: true, alpha: 0.5, pool: true }));
    expect(rows[0]).toMatchObject({ name: "stem", cIn: 3, out: 12, stride: 1 });
    expect(rows.map((r) => r.name)).toEqual(["stem", "id 1", "id 2", "id 3", "id 4", "id 5", "id 6", "id 7"]);
  });
});
