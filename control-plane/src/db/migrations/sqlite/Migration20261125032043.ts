import { Migration } from "@mikro-orm/migrations";

export class Migration20261125032043 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table \`farm_boards\` (\`id\` text not null, \`host\` text not null, \`board_id\` text not null, \`target\` text not null, \`driver\` text not null, \`status\` text not null, \`current_job_id\` text null, \`detail\` text null, \`last_seen_at\` datetime not null, \`created_at\` datetime not null, primary key (\`id\`));`,
    );
    this.addSql(
      `create unique index \`farm_boards_host_board_id_unique\` on \`farm_boards\` (\`host\`, \`board_id\`);`,
    );

    this.addSql(`alter table \`jobs\` add column \`progress_message\` text null;`);
    this.addSql(`alter table \`jobs\` add column \`dataset_file_name\` text null;`);

    this.addSql(`alter table \`job_results\` add column \`notes\` json null;`);
  }
}
