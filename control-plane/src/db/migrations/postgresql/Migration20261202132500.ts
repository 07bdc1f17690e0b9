import { Migration } from "@mikro-orm/migrations";

/**
 * Job specs carry their size in bytes (`targetSizeBytes`); those stored before carried KB of 1000 bytes
 * (`targetSizeKb`). Rewrites each stored spec once, so that every job reads the same way.
 */
export class Migration20261202132500 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `update "jobs" set "spec" = ("spec" - 'targetSizeKb') || jsonb_build_object('targetSizeBytes', cast(round(cast("spec" ->> 'targetSizeKb' as numeric) * 1000) as bigint)) where "spec" ->> 'targetSizeKb' is not null;`,
    );
  }
}
