/**
 * Names of the entries of a zip archive, read from its central directory at the end of the file (the end of
 * central directory record, and its Zip64 twin for large archives such as PyTorch checkpoints). `tail` holds
 * the last bytes of a file of `size` bytes; `null` when they do not hold a complete central directory.
 */
const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL_ENTRY = 0x02014b50;

export function zipEntryNames(tail: Buffer, size: number): string[] | null {
  const tailStart = size - tail.length;
  let eocd = -1;
  for (let i = tail.length - 22; i >= Math.max(0, tail.length - 22 - 65535); i--) {
    if (tail.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return null;
  let entries = tail.readUInt16LE(eocd + 10);
  let directorySize = tail.readUInt32LE(eocd + 12);
  let directoryOffset = tail.readUInt32LE(eocd + 16);
  if (directoryOffset === 0xffffffff || entries === 0xffff) {
    const locator = eocd - 20;
    if (locator < 0 || tail.readUInt32LE(locator) !== ZIP64_LOCATOR) return null;
    const record = Number(tail.readBigUInt64LE(locator + 8)) - tailStart;
    if (record < 0 || record + 56 > tail.length || tail.readUInt32LE(record) !== ZIP64_EOCD) return null;
    entries = Number(tail.readBigUInt64LE(record + 32));
    directorySize = Number(tail.readBigUInt64LE(record + 40));
    directoryOffset = Number(tail.readBigUInt64LE(record + 48));
  }
  let at = directoryOffset - tailStart;
  if (at < 0 || at + directorySize > tail.length) return null;
  const names: string[] = [];
  for (let n = 0; n < entries; n++) {
    if (at + 46 > tail.length || tail.readUInt32LE(at) !== CENTRAL_ENTRY) return null;
    const nameLength = tail.readUInt16LE(at + 28);
    const extraLength = tail.readUInt16LE(at + 30);
    const commentLength = tail.readUInt16LE(at + 32);
    names.push(tail.toString("utf8", at + 46, at + 46 + nameLength));
    at += 46 + nameLength + extraLength + commentLength;
  }
  return names;
}
