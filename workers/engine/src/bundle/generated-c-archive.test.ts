import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { packGeneratedC, unpackGeneratedC } from "./generated-c-archive.js";

const work = mkdtempSync(join(tmpdir(), "tinyml-c-archive-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("the generated C as c.tar.gz", () => {
  const files: [string, string][] = [
    ["model.c", "int x;\n"],
    ["model.h", "#define TML_MODEL_ARENA_SIZE 16\n"],
    ["tinyml/src/ref/tml_add_s8.c", "/* add */\n"],
  ];

  it("packs entries under c/ as `tar -xzf` unpacks them", async () => {
    const dir = mkdtempSync(join(work, "pack-"));
    const archive = await packGeneratedC(files, dir);
    const path = join(work, "listed.tar.gz");
    writeFileSync(path, archive);
    const entries = execFileSync("tar", ["-tzf", path], { encoding: "utf8" }).split("\n").filter(Boolean);
    expect(entries).toEqual(expect.arrayContaining(["c/model.c", "c/model.h", "c/tinyml/src/ref/tml_add_s8.c"]));
  });

  it("unpacks what it packed into another folder, byte for byte", async () => {
    const archive = await packGeneratedC(files, mkdtempSync(join(work, "pack-")));
    const workDir = mkdtempSync(join(work, "unpack-"));
    const into = mkdtempSync(join(work, "into-"));
    await unpackGeneratedC(archive, { workDir, into });
    for (const [path, text] of files) expect(readFileSync(join(into, "c", path), "utf8")).toBe(text);
  });
});
