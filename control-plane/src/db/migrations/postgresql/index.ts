import { Migration20261125004149 } from "./Migration20261125004149.js";

/** Every PostgreSQL migration, in order (run at start). */
export const POSTGRESQL_MIGRATIONS = [{ name: "Migration20261125004149", class: Migration20261125004149 }];
