import { constants } from "node:fs";
import { access } from "node:fs/promises";
import { delimiter, join } from "node:path";

/** Where an executable is on PATH, or `null`. */
export async function findOnPath(tool: string, path = process.env.PATH ?? ""): Promise<string | null> {
  if (tool.includes("/")) return (await isExecutable(tool)) ? tool : null;
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, tool);
    if (await isExecutable(candidate)) return candidate;
  }
  return null;
}

const isExecutable = (path: string): Promise<boolean> =>
  access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
