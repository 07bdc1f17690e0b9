import { isAbsolute, join, resolve } from "node:path";
import type { ControlPlaneConfig } from "../config.js";

/** Which database the control plane talks to, from DATABASE_URL (SQLite file by default). */
export type DatabaseTarget = { dialect: "sqlite"; file: string } | { dialect: "postgresql"; url: string };

export function databaseTarget(config: Pick<ControlPlaneConfig, "DATABASE_URL" | "DATA_DIR">): DatabaseTarget {
  const url = config.DATABASE_URL;
  if (url?.startsWith("postgres")) {
    return { dialect: "postgresql", url };
  }
  const path = url?.startsWith("sqlite:") ? url.slice("sqlite:".length) : join(config.DATA_DIR, "control-plane.sqlite");
  return { dialect: "sqlite", file: path === ":memory:" || isAbsolute(path) ? path : resolve(path) };
}
