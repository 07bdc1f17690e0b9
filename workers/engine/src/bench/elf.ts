import { EngineError } from "../errors.js";

/** One section header of a 32-bit little-endian ELF file (the firmware images are all ELF32 LE). */
interface ElfSection {
  name: string;
  type: number;
  flags: number;
  addr: number;
  size: number;
}

const SHT_NOBITS = 8;
const SHF_WRITE = 0x1;
const SHF_ALLOC = 0x2;

/** The section headers of an ELF32 little-endian image. */
function elfSections(bytes: Uint8Array): ElfSection[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const isElf = bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
  if (!isElf || bytes[4] !== 1 || bytes[5] !== 1) {
    throw new EngineError("CORRUPT_MODEL", "the firmware image is not a 32-bit little-endian ELF file");
  }
  const shoff = view.getUint32(0x20, true);
  const shentsize = view.getUint16(0x2e, true);
  const shnum = view.getUint16(0x30, true);
  const shstrndx = view.getUint16(0x32, true);
  const raw = Array.from({ length: shnum }, (_, i) => {
    const at = shoff + i * shentsize;
    return {
      nameOffset: view.getUint32(at, true),
      type: view.getUint32(at + 4, true),
      flags: view.getUint32(at + 8, true),
      addr: view.getUint32(at + 12, true),
      offset: view.getUint32(at + 16, true),
      size: view.getUint32(at + 20, true),
    };
  });
  const strtab = raw[shstrndx];
  const nameAt = (offset: number) => {
    if (!strtab) return "";
    let end = strtab.offset + offset;
    while (end < bytes.length && bytes[end] !== 0) end++;
    return new TextDecoder().decode(bytes.subarray(strtab.offset + offset, end));
  };
  return raw.map((s) => ({ name: nameAt(s.nameOffset), type: s.type, flags: s.flags, addr: s.addr, size: s.size }));
}

/** What a linked firmware image occupies, read from its section headers. */
export interface ImageMemory {
  /** Bytes stored in flash: every allocated section with contents (code, read-only data, .data's initial values). */
  flashBytes: number;
  /** Statically allocated RAM: writable allocated sections (.data, .bss with the arena), the stack reserve excluded. */
  staticRamBytes: number;
  /** Size of every allocated section, by name, for the record. */
  sections: Record<string, number>;
}

/** Flash and static RAM of a firmware image (the linker's `.stack` reserve is stack, measured separately). */
export function imageMemory(bytes: Uint8Array): ImageMemory {
  let flashBytes = 0;
  let staticRamBytes = 0;
  const sections: Record<string, number> = {};
  for (const s of elfSections(bytes)) {
    if (!(s.flags & SHF_ALLOC) || s.size === 0) continue;
    sections[s.name] = s.size;
    if (s.type !== SHT_NOBITS) flashBytes += s.size;
    if (s.flags & SHF_WRITE && s.name !== ".stack") staticRamBytes += s.size;
  }
  return { flashBytes, staticRamBytes, sections };
}
