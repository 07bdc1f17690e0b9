import { Migration } from "@mikro-orm/migrations";

/**
 * Job specs carry their size in bytes (`targetSizeBytes`); those stored before carried KB of 1000 bytes
 * (`targetSizeKb`). Rewrites each stored spec once, so that every job reads the same way.
 */
export class Migration20261202132500 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `update \`jobs\` set \`spec\` = json_remove(json_set(\`spec\`, '$.targetSizeBytes', cast(round(json_extract(\`spec\`, '$.targetSizeKb') * 1000) as integer)), '$.targetSizeKb') where json_type(\`spec\`, '$.targetSizeKb') is not null;`,
    );
  }
}
