// Tests for the notebook HTML tables (html-table.ts): escaping, coloured cells, alignment, text fallback.
import { describe, expect, it } from "vitest";
import { createCaptureTarget } from "./display";
import { table, tableHtml, tableText } from "./html-table";

describe("html tables", () => {
  const opts = { columns: ["name", "bytes"], rows: [["a", 1024], ["b<c", { text: 5, background: "#fbe0e0", title: "too big" }]], title: "T", caption: "cap" };
  it("renders escaped HTML with coloured cells and right-aligned numbers", () => {
    const html = tableHtml(opts);
    expect(html).toContain("b&lt;c");
    expect(html).toContain("background:#fbe0e0");
    expect(html).toContain('title="too big"');
    expect(html).toContain("1,024");
    expect(html).toMatch(/text-align:right;white-space:nowrap">1,024/);
    expect(tableHtml({ columns: ["a"], rows: [["a long description that is allowed to wrap"]] })).not.toContain("nowrap");
  });
  it("renders aligned plain text and displays both", () => {
    expect(tableText(opts).split("\n")).toEqual(["T", "name  bytes", "----  -----", "a     1,024", "b<c       5", "cap"]);
    const target = createCaptureTarget();
    table({ ...opts, target });
    expect(Object.keys(target.messages[0].bundle).sort()).toEqual(["text/html", "text/plain"]);
    expect(() => tableHtml({ columns: ["a"], rows: [["x", "y"]] })).toThrow(/row 0 has 2 cells/);
  });
});
