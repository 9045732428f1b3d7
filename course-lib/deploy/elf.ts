// What the linked firmware occupies and where its functions are, read from the ELF with binutils: section
// sizes from arm-none-eabi-size (Berkeley format: text = code + constants, data = initialised variables,
// bss = zeroed variables and the NOLOAD stack), so flash = text + data (data's initial values are stored
// in flash) and RAM = data + bss; symbol addresses from arm-none-eabi-nm (the instruction counter needs
// nn_op_mark's).
import { findTool, runProcess } from "./toolchain";

export interface ElfSizes {
  text: number;
  data: number;
  bss: number;
}

/** text/data/bss of an ELF, and the flash and RAM they take. */
export async function elfSizes(elf: string): Promise<{ sizes: ElfSizes; flash: number; ram: number }> {
  const result = await runProcess(findTool("arm-none-eabi-size"), ["--format=berkeley", elf]);
  if (result.code !== 0) throw new Error(`arm-none-eabi-size ${elf} failed: ${result.stderr.trim()}`);
  const row = result.stdout.trim().split("\n")[1];
  const m = row ? /^\s*(\d+)\s+(\d+)\s+(\d+)\s/.exec(row) : null;
  if (!m) throw new Error(`arm-none-eabi-size ${elf}: cannot read ${JSON.stringify(result.stdout.trim())}`);
  const sizes = { text: Number(m[1]), data: Number(m[2]), bss: Number(m[3]) };
  return { sizes, flash: sizes.text + sizes.data, ram: sizes.data + sizes.bss };
}

export interface ElfSymbol {
  name: string;
  /** The symbol's value; for a Thumb function its code address (bit 0 clear). */
  address: number;
  size: number;
  /** nm's type letter: T/t code, D/d data, B/b bss, R/r read-only data. */
  type: string;
}

/** The sized symbols of an ELF, by name. */
export async function elfSymbols(elf: string): Promise<Map<string, ElfSymbol>> {
  const result = await runProcess(findTool("arm-none-eabi-nm"), ["--print-size", "--defined-only", elf]);
  if (result.code !== 0) throw new Error(`arm-none-eabi-nm ${elf} failed: ${result.stderr.trim()}`);
  const symbols = new Map<string, ElfSymbol>();
  for (const line of result.stdout.split("\n")) {
    const m = /^([0-9a-f]+) (?:([0-9a-f]+) )?([A-Za-z]) (\S+)$/.exec(line.trim());
    if (!m) continue;
    const type = m[3];
    const value = parseInt(m[1], 16);
    const address = type === "T" || type === "t" ? value - (value % 2) : value;
    symbols.set(m[4], { name: m[4], address, size: m[2] ? parseInt(m[2], 16) : 0, type });
  }
  return symbols;
}

/** The address of one symbol, or an error naming the ELF. */
export async function symbolAddress(elf: string, name: string): Promise<number> {
  const symbol = (await elfSymbols(elf)).get(name);
  if (!symbol) throw new Error(`${elf} has no symbol ${JSON.stringify(name)}`);
  return symbol.address;
}
