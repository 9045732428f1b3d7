// The audio player inlines a WAV that decodes back to the same samples, and frameTable turns danfojs
// frames and series into the course's HTML table.
import { describe, expect, it } from "vitest";
import { createCaptureTarget } from "./display";
import { audioPlayer, audioPlayers, wavDataUri } from "./audio-player";
import { frameTable } from "./dataframe-table";
import { parseWav } from "../data/audio/wav";

describe("audioPlayer", () => {
  it("embeds a WAV data: URI that decodes to the same int16 samples", () => {
    const pcm = Int16Array.from({ length: 1600 }, (_, i) => Math.round(8000 * Math.sin(i / 5)));
    const uri = wavDataUri(pcm, 16000);
    expect(uri.startsWith("data:audio/wav;base64,")).toBe(true);
    const decoded = parseWav(new Uint8Array(Buffer.from(uri.slice(uri.indexOf(",") + 1), "base64")));
    expect(decoded.sampleRate).toBe(16000);
    expect(decoded.channels).toBe(1);
    expect(Array.from(decoded.samples)).toEqual(Array.from(pcm));
  });

  it("converts floats in [-1, 1] and shows an <audio controls> element with its caption", () => {
    const target = createCaptureTarget();
    audioPlayer(Float32Array.from([0, 0.5, -0.5, 1.5]), 8000, { title: "yes <speaker 3>", target });
    const bundle = target.messages[0].bundle;
    expect(bundle["text/html"]).toContain("<audio controls");
    expect(bundle["text/html"]).toContain("yes &lt;speaker 3&gt;");
    expect(bundle["text/plain"]).toContain("0.00 s at 8000 Hz");
    const html = bundle["text/html"] as string;
    const b64 = html.slice(html.indexOf("base64,") + 7, html.indexOf('"', html.indexOf("base64,")));
    expect(Array.from(parseWav(new Uint8Array(Buffer.from(b64, "base64"))).samples)).toEqual([0, 16384, -16384, 32767]);
    audioPlayers([{ samples: new Int16Array(10), title: "a" }, { samples: new Int16Array(10), title: "b" }], 8000, { target });
    expect((target.messages[1].bundle["text/html"] as string).match(/<audio /g)?.length).toBe(2);
  });

  it("names bad input", () => {
    expect(() => wavDataUri(new Int16Array(4), 0)).toThrow(/sampleRate must be a positive integer, got 0/);
    expect(() => wavDataUri([0, NaN], 8000)).toThrow(/sample 1 is NaN/);
    expect(() => wavDataUri(new Int16Array(0), 8000)).toThrow(/no samples/);
  });
});

describe("frameTable", () => {
  it("shows a danfojs DataFrame and Series as a table", async () => {
    const dfd = require("danfojs-node");
    const df = new dfd.DataFrame({ activity: ["walk", "sit", "walk"], acc_x: [0.12345, 1, 2] });
    const target = createCaptureTarget();
    frameTable(df, { title: "frame", target });
    const text = target.messages[0].bundle["text/plain"] as string;
    expect(text).toContain("activity");
    expect(text).toContain("0.123");
    expect(target.messages[0].bundle["text/html"]).toContain("<table");
    frameTable(df.column("activity").valueCounts(), { indexName: "activity", valueName: "rows", target });
    const counts = target.messages[1].bundle["text/plain"] as string;
    expect(counts).toMatch(/activity\s+rows/);
    expect(counts).toMatch(/walk\s+2/);
    expect(counts).toMatch(/sit\s+1/);
    frameTable(df, { maxRows: 1, target });
    expect(target.messages[2].bundle["text/plain"]).toContain("2 more rows not shown (of 3)");
    expect(() => frameTable(42 as never, { target })).toThrow(/expected a danfojs DataFrame or Series/);
  }, 60_000);
});
