import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configPath, DEFAULT_URL, readConfig, resolveSettings, writeConfig } from "./config.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "tinyml-config-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("the CLI's config file", () => {
  it("lives under XDG_CONFIG_HOME, else ~/.config", () => {
    expect(configPath({ XDG_CONFIG_HOME: "/x" })).toBe("/x/tinyml/config.json");
    expect(configPath({ HOME: "/home/me" })).toBe("/home/me/.config/tinyml/config.json");
    expect(configPath({ HOME: "/home/me", XDG_CONFIG_HOME: " " })).toBe("/home/me/.config/tinyml/config.json");
  });

  it("is written readable by its owner only and read back", async () => {
    const path = join(dir, "a", "tinyml", "config.json");
    await writeConfig(path, { url: "http://h:1", apiKey: "tk_secret" });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, "a", "tinyml"))).mode & 0o777).toBe(0o700);
    expect(await readConfig(path)).toEqual({ url: "http://h:1", apiKey: "tk_secret" });
    await writeConfig(path, { url: "http://h:2", apiKey: "tk_other" });
    expect(JSON.parse(await readFile(path, "utf8"))).toEqual({ url: "http://h:2", apiKey: "tk_other" });
  });

  it("is empty when missing and an error naming the file when broken", async () => {
    expect(await readConfig(join(dir, "none.json"))).toEqual({});
    const broken = join(dir, "broken.json");
    await writeFile(broken, "{not json");
    await expect(readConfig(broken)).rejects.toThrow(`${broken} is not valid JSON`);
    await writeFile(broken, "[1]");
    await expect(readConfig(broken)).rejects.toThrow(/should hold a JSON object/);
  });

  it("takes flags over the environment over the file over the default", () => {
    const file = { url: "http://file", apiKey: "tk_file" };
    const env = { TINYML_URL: "http://env", TINYML_API_KEY: "tk_env" };
    expect(resolveSettings({}, {}, {})).toEqual({ url: DEFAULT_URL, apiKey: undefined });
    expect(resolveSettings({}, {}, file)).toEqual({ url: "http://file", apiKey: "tk_file" });
    expect(resolveSettings({}, env, file)).toEqual({ url: "http://env", apiKey: "tk_env" });
    expect(resolveSettings({ url: "http://flag", apiKey: "tk_flag" }, env, file)).toEqual({
      url: "http://flag",
      apiKey: "tk_flag",
    });
  });
});
