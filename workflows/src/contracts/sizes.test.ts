import { describe, expect, it } from "vitest";
import { formatKb, kbToBytes } from "./sizes.js";

describe("sizes: KB is 1000 bytes", () => {
  it("converts KB to whole bytes and prints bytes in KB", () => {
    expect(kbToBytes(40)).toBe(40_000);
    expect(kbToBytes(1.005)).toBe(1_005);
    expect(formatKb(48_213)).toBe("48.2 KB");
    expect(formatKb(1024 * 1024)).toBe("1048.6 KB");
  });
});
