/**
 * The "may import" column of ../shared/ARCHITECTURE.md, as data. Checked by `pnpm boundaries` in CI.
 *
 * - `mayImport`: the workspace packages (by public entry) a package may import at run time.
 * - `mayImportTypes`: workspace packages it may import with `import type` / `export type` only.
 * - `forbidden`: external modules it must never import (non-test files): the engine is a pure library, so
 *   no Temporal, ORM, database or HTTP code.
 * - `onlyExternal`: when set, the only external modules its non-test files may import.
 * - `externalIn`: external modules allowed besides `onlyExternal` in one folder of the package (relative to its
 *   `src/`): the code of a subpath entry that workflow code never bundles.
 * Every package: no deep import into another package (only the entries in PUBLIC_ENTRIES) and no relative import
 * out of its own folder.
 */
export interface PackageRule {
  name: string;
  dir: string;
  mayImport: string[];
  mayImportTypes?: string[];
  forbidden?: RegExp[];
  onlyExternal?: RegExp[];
  externalIn?: Record<string, RegExp[]>;
}

/** Public entries of the workspace packages. */
export const PUBLIC_ENTRIES = new Set([
  "@tinyml/workflows",
  "@tinyml/workflows/contracts",
  "@tinyml/workflows/model-files",
  "@tinyml/workflows/datasets",
  "@tinyml/engine",
  "@tinyml/emulator",
  "@tinyml/workers",
  "@tinyml/farm-agent",
  "@tinyml/control-plane",
  "@tinyml/sdk",
  "@tinyml/test",
]);

const TEMPORAL_ORM_DB_HTTP: RegExp[] = [
  /^@temporalio\//,
  /^@mikro-orm\//,
  /^(pg|postgres|better-sqlite3|sqlite3|mysql2?|knex|typeorm|prisma|@prisma\/.*)$/,
  /^(hono|@hono\/.*|@trpc\/.*|express|fastify|koa|undici|axios|node-fetch|ws)$/,
  /^(node:)?(http|https|http2|net|tls|dgram)$/,
  /^@aws-sdk\//,
];

export const PACKAGE_RULES: PackageRule[] = [
  {
    name: "@tinyml/workflows",
    dir: "workflows",
    mayImport: [],
    onlyExternal: [/^@temporalio\/workflow$/, /^zod$/],
    // The model-file recognizer reads zips with zip.js, the dataset reader inflates with node:zlib; each is its own
    // entry, never imported by workflow code.
    externalIn: { "model-files": [/^@zip\.js\/zip\.js$/], datasets: [/^node:zlib$/] },
  },
  {
    // runs firmware on QEMU for the engine's bench and the farm agent's emulated boards
    name: "@tinyml/emulator",
    dir: "hardware-farm/emulator",
    mayImport: ["@tinyml/workflows/contracts"],
    forbidden: TEMPORAL_ORM_DB_HTTP,
  },
  {
    name: "@tinyml/engine",
    dir: "workers/engine",
    mayImport: [
      "@tinyml/workflows/contracts",
      "@tinyml/workflows/model-files",
      "@tinyml/workflows/datasets",
      "@tinyml/emulator",
    ],
    forbidden: TEMPORAL_ORM_DB_HTTP,
  },
  {
    name: "@tinyml/workers",
    dir: "workers/service",
    mayImport: ["@tinyml/workflows", "@tinyml/workflows/contracts", "@tinyml/engine"],
  },
  {
    name: "@tinyml/farm-agent",
    dir: "hardware-farm/agent",
    mayImport: ["@tinyml/workflows", "@tinyml/workflows/contracts", "@tinyml/emulator"],
  },
  {
    name: "@tinyml/control-plane",
    dir: "control-plane",
    mayImport: [
      "@tinyml/workflows",
      "@tinyml/workflows/contracts",
      "@tinyml/workflows/model-files",
      "@tinyml/workflows/datasets",
    ],
  },
  {
    name: "@tinyml/sdk",
    dir: "sdk/client",
    mayImport: [],
    mayImportTypes: ["@tinyml/control-plane"],
  },
  {
    name: "@tinyml/test",
    dir: "test",
    mayImport: [...PUBLIC_ENTRIES].filter((e) => e !== "@tinyml/test"),
  },
];
