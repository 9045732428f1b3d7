// Tests of the orders of magnitude behind lesson 01: radio energy follows from one throughput per link,
// the same figure the lesson uses for upload times, and the lookups name a bad id.
import { describe, expect, it } from "vitest";
import { DEVICE_CLASSES, ENERGY_FACTS, MCU_JOULES_PER_MAC, RADIO_LINKS, getDeviceClass, getRadioLink, joulesPerByte } from "./orders-of-magnitude";

describe("radio links", () => {
  it("cost transmit power × 8 bits ÷ application throughput per byte", () => {
    const ble = getRadioLink("ble");
    expect(ble.throughputBitsPerSecond).toBe(0.5e6);
    expect(joulesPerByte(ble)).toBeCloseTo((14.4e-3 * 8) / 0.5e6, 15);
    for (const link of RADIO_LINKS) expect([link.id, link.throughputBitsPerSecond < link.phyBitsPerSecond]).toEqual([link.id, true]);
  });

  it("give the radio energy facts, so the energy chart and the latency arithmetic agree", () => {
    const radio = ENERGY_FACTS.filter((f) => f.kind === "radio");
    expect(radio.map((f) => f.what)).toEqual(["send 1 byte over Bluetooth LE", "send 1 byte over Wi-Fi", "send 1 byte over LoRa"]);
    expect(radio.map((f) => f.joules)).toEqual(["ble", "wifi", "lora"].map((id) => joulesPerByte(getRadioLink(id as "ble"))));
    expect(ENERGY_FACTS.find((f) => f.what.startsWith("one int8 MAC"))?.joules).toBe(MCU_JOULES_PER_MAC);
  });

  it("name a bad id", () => {
    expect(() => getRadioLink("zigbee" as never)).toThrow(/unknown radio link "zigbee"; expected one of: lora, ble, wifi/);
    expect(() => getDeviceClass("phone" as never)).toThrow(/unknown device class "phone"; expected one of: workstation, sbc, mcu/);
    expect(getDeviceClass("mcu")).toBe(DEVICE_CLASSES[2]);
  });
});
