import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { BetterSqliteDriver } from "@mikro-orm/better-sqlite";
import { MikroORM, type Options } from "@mikro-orm/core";
import { Migrator } from "@mikro-orm/migrations";
import { PostgreSqlDriver } from "@mikro-orm/postgresql";
import type { DatabaseTarget } from "./dialect.js";
import { ENTITIES } from "./entities/index.js";
import { POSTGRESQL_MIGRATIONS } from "./migrations/postgresql/index.js";
import { SQLITE_MIGRATIONS } from "./migrations/sqlite/index.js";

export type Orm = MikroORM;

/** ORM options for a database target; migrations are listed in code (one folder per dialect). */
export function ormOptions(target: DatabaseTarget): Options {
  const common = {
    entities: ENTITIES,
    extensions: [Migrator],
    allowGlobalContext: false,
    debug: false,
    // Entity schemas are declared in code: nothing to discover from files.
    discovery: { warnWhenNoEntities: true },
  } satisfies Options;
  if (target.dialect === "sqlite") {
    return {
      ...common,
      driver: BetterSqliteDriver,
      dbName: target.file,
      migrations: { migrationsList: SQLITE_MIGRATIONS, transactional: true, snapshot: false },
    } as Options;
  }
  return {
    ...common,
    driver: PostgreSqlDriver,
    clientUrl: target.url,
    migrations: { migrationsList: POSTGRESQL_MIGRATIONS, transactional: true, snapshot: false },
  } as Options;
}

/** Connects and brings the schema up to date (pending migrations run at start). */
export async function openDatabase(target: DatabaseTarget): Promise<Orm> {
  if (target.dialect === "sqlite" && target.file !== ":memory:") {
    await mkdir(dirname(target.file), { recursive: true });
  }
  const orm = await MikroORM.init(ormOptions(target));
  if (target.dialect === "sqlite") {
    await orm.em.getConnection().execute("pragma journal_mode = wal", [], "run");
    await orm.em.getConnection().execute("pragma foreign_keys = on", [], "run");
    // Another process on the same file (a CLI, a second server) waits for the lock instead of failing.
    await orm.em.getConnection().execute("pragma busy_timeout = 5000", [], "run");
  }
  await orm.getMigrator().up();
  return orm;
}
