import { Migration20261125004138 } from "./Migration20261125004138.js";

/** Every SQLite migration, in order (run at start). */
export const SQLITE_MIGRATIONS = [{ name: "Migration20261125004138", class: Migration20261125004138 }];
