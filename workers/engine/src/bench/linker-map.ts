/**
 * Code size of the deployed model, from the GNU ld map file (`-Map=fw.map`) of the linked firmware: the bytes of
 * the `.text*` input sections the linker kept from the generated model's library (`libtinyml_model.a`: model.c and
 * the runtime kernels it links), split into the model's own code and the kernels. Weights and parameters live in
 * `.rodata` and are not code; the benchmark harness, board support and the C library are other objects. Exact for
 * the linked image (sections the linker discarded are listed before the memory map and are not counted).
 */
export interface CodeSize {
  /** `.text` bytes of model.c (the generated per-op calls). */
  modelBytes: number;
  /** `.text` bytes of the runtime kernels linked from the model's library. */
  kernelBytes: number;
  /** Per object, for the record. */
  objects: Record<string, number>;
}

const MODEL_LIBRARY = /libtinyml_model\.a\(([^)]+)\)/;

export function codeSizeFromMap(map: string): CodeSize {
  const start = map.indexOf("Linker script and memory map");
  const lines = (start >= 0 ? map.slice(start) : map).split("\n");
  const objects: Record<string, number> = {};
  for (let i = 0; i < lines.length; i++) {
    // An input section: " .text.name  0xADDR  0xSIZE object", or the name alone when long, the rest on the next line.
    const line = lines[i] as string;
    const head = line.match(/^ (\.text\S*)(.*)$/);
    if (!head) continue;
    let rest = (head[2] as string).trim();
    if (rest === "") rest = (lines[i + 1] ?? "").trim();
    const fields = rest.match(/^0x[0-9a-f]+\s+0x([0-9a-f]+)\s+(.+)$/);
    if (!fields) continue;
    const object = (fields[2] as string).match(MODEL_LIBRARY)?.[1];
    if (!object) continue;
    objects[object] = (objects[object] ?? 0) + Number.parseInt(fields[1] as string, 16);
  }
  let modelBytes = 0;
  let kernelBytes = 0;
  for (const [object, bytes] of Object.entries(objects)) {
    if (/^model\.c\.o(bj)?$/.test(object)) modelBytes += bytes;
    else kernelBytes += bytes;
  }
  return { modelBytes, kernelBytes, objects };
}
