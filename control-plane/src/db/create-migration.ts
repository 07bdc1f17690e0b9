import { MikroORM } from "@mikro-orm/core";
import { databaseTarget } from "./dialect.js";
import { ormOptions } from "./orm.js";

/**
 * Developer tool: writes the next migration of one dialect from the difference between the entity schemas
 * and a database brought up to date with the existing migrations.
 *   node dist/db/create-migration.js sqlite            (a scratch SQLite file)
 *   DATABASE_URL=postgresql://… node dist/db/create-migration.js postgresql
 * Then list the new class in src/db/migrations/<dialect>/index.ts.
 */
const dialect = process.argv[2];
if (dialect !== "sqlite" && dialect !== "postgresql") {
  console.error("usage: create-migration.js sqlite|postgresql");
  process.exit(2);
}
const target =
  dialect === "sqlite"
    ? databaseTarget({ DATABASE_URL: "sqlite:.data/migration-scratch.sqlite", DATA_DIR: ".data" })
    : databaseTarget({ DATABASE_URL: process.env.DATABASE_URL, DATA_DIR: ".data" });
if (target.dialect !== dialect) {
  console.error("set DATABASE_URL=postgresql://… for the postgresql dialect");
  process.exit(2);
}
const options = ormOptions(target);
const orm = await MikroORM.init({
  ...options,
  migrations: { ...options.migrations, path: `src/db/migrations/${dialect}`, emit: "ts" },
});
await orm.getMigrator().up();
const result = await orm.getMigrator().createMigration(`src/db/migrations/${dialect}`);
console.log(result.fileName ? `wrote ${result.fileName}` : "no changes");
await orm.close(true);
