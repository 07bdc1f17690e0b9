import { chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

/** What `tinyml login` stores: where the service is and the API key to call it with. */
export interface CliConfig {
  url?: string;
  apiKey?: string;
}

export const DEFAULT_URL = "http://127.0.0.1:5000";

/** `$XDG_CONFIG_HOME/tinyml/config.json`, or `~/.config/tinyml/config.json` when XDG_CONFIG_HOME is unset. */
export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME?.trim() ? env.XDG_CONFIG_HOME : join(env.HOME ?? homedir(), ".config");
  return join(base, "tinyml", "config.json");
}

/** The stored settings; `{}` when there is no file yet. A file that is not a JSON object is an error. */
export async function readConfig(path: string): Promise<CliConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw e;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`${path} is not valid JSON: fix or delete it, then run tinyml login again`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error(`${path} should hold a JSON object with url and apiKey: run tinyml login again`);
  }
  const { url, apiKey } = value as Record<string, unknown>;
  return {
    ...(typeof url === "string" ? { url } : {}),
    ...(typeof apiKey === "string" ? { apiKey } : {}),
  };
}

/**
 * Writes the settings readable by the owner only (0600, folder 0700): the file holds a secret. It is written
 * to a temporary file first and renamed, so a reader never sees half a file.
 */
export async function writeConfig(path: string, config: CliConfig): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  await chmod(temporary, 0o600); // the mode of writeFile is masked by the umask
  await rename(temporary, path);
}

/** Flags beat the environment (TINYML_URL, TINYML_API_KEY), which beats the config file, then the default URL. */
export function resolveSettings(
  flags: CliConfig,
  env: NodeJS.ProcessEnv,
  file: CliConfig,
): { url: string; apiKey: string | undefined } {
  return {
    url: flags.url ?? (env.TINYML_URL || undefined) ?? file.url ?? DEFAULT_URL,
    apiKey: flags.apiKey ?? (env.TINYML_API_KEY || undefined) ?? file.apiKey,
  };
}
