import { Migration } from "@mikro-orm/migrations";

export class Migration20261125032047 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "farm_boards" ("id" uuid not null, "host" varchar(200) not null, "board_id" varchar(100) not null, "target" varchar(20) not null, "driver" varchar(20) not null, "status" varchar(20) not null, "current_job_id" varchar(100) null, "detail" text null, "last_seen_at" timestamptz not null, "created_at" timestamptz not null, constraint "farm_boards_pkey" primary key ("id"));`,
    );
    this.addSql(
      `alter table "farm_boards" add constraint "farm_boards_host_board_id_unique" unique ("host", "board_id");`,
    );

    this.addSql(
      `alter table "jobs" add column "progress_message" text null, add column "dataset_file_name" varchar(300) null;`,
    );

    this.addSql(`alter table "job_results" add column "notes" jsonb null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "farm_boards" cascade;`);

    this.addSql(`alter table "job_results" drop column "notes";`);

    this.addSql(`alter table "jobs" drop column "progress_message", drop column "dataset_file_name";`);
  }
}
