import { Migration } from "@mikro-orm/migrations";

export class Migration20261125004138 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table \`api_keys\` (\`id\` text not null, \`organization_id\` text not null, \`user_id\` text not null, \`name\` text not null, \`prefix\` text not null, \`secret_hash\` text not null, \`created_at\` datetime not null, \`last_used_at\` datetime null, \`revoked_at\` datetime null, primary key (\`id\`));`,
    );
    this.addSql(`create index \`api_keys_organization_id_index\` on \`api_keys\` (\`organization_id\`);`);
    this.addSql(`create unique index \`api_keys_prefix_unique\` on \`api_keys\` (\`prefix\`);`);

    this.addSql(
      `create table \`audit_events\` (\`id\` text not null, \`organization_id\` text null, \`actor_user_id\` text null, \`action\` text not null, \`details\` json not null, \`created_at\` datetime not null, primary key (\`id\`));`,
    );
    this.addSql(`create index \`audit_events_organization_id_index\` on \`audit_events\` (\`organization_id\`);`);

    this.addSql(
      `create table \`jobs\` (\`id\` text not null, \`organization_id\` text not null, \`project_id\` text not null, \`model_id\` text not null, \`spec\` json not null, \`hardware_target\` text not null, \`tier\` text not null, \`status\` text not null, \`stage\` text not null, \`progress\` double not null default 0, \`workflow_id\` text not null, \`dataset_blob_key\` text null, \`dataset_bytes\` bigint null, \`dataset_sha256\` text null, \`error_message\` text null, \`created_by\` text not null, \`created_at\` datetime not null, \`updated_at\` datetime not null, \`started_at\` datetime null, \`completed_at\` datetime null, primary key (\`id\`));`,
    );
    this.addSql(`create index \`jobs_organization_id_index\` on \`jobs\` (\`organization_id\`);`);
    this.addSql(`create index \`jobs_project_id_index\` on \`jobs\` (\`project_id\`);`);

    this.addSql(
      `create table \`job_results\` (\`id\` text not null, \`job_id\` text not null, \`organization_id\` text not null, \`metrics\` json not null, \`artifact_blob_key\` text null, \`artifact_file_name\` text null, \`created_at\` datetime not null, primary key (\`id\`));`,
    );
    this.addSql(`create unique index \`job_results_job_id_unique\` on \`job_results\` (\`job_id\`);`);
    this.addSql(`create index \`job_results_organization_id_index\` on \`job_results\` (\`organization_id\`);`);

    this.addSql(
      `create table \`memberships\` (\`id\` text not null, \`organization_id\` text not null, \`user_id\` text not null, \`role\` text not null, \`created_at\` datetime not null, primary key (\`id\`));`,
    );
    this.addSql(`create index \`memberships_organization_id_index\` on \`memberships\` (\`organization_id\`);`);
    this.addSql(`create index \`memberships_user_id_index\` on \`memberships\` (\`user_id\`);`);
    this.addSql(
      `create unique index \`memberships_organization_id_user_id_unique\` on \`memberships\` (\`organization_id\`, \`user_id\`);`,
    );

    this.addSql(
      `create table \`models\` (\`id\` text not null, \`organization_id\` text not null, \`project_id\` text not null, \`blob_key\` text not null, \`file_name\` text not null, \`framework\` text not null, \`format\` text not null, \`size_bytes\` bigint not null, \`sha256\` text not null, \`created_at\` datetime not null, primary key (\`id\`));`,
    );
    this.addSql(`create index \`models_organization_id_index\` on \`models\` (\`organization_id\`);`);
    this.addSql(`create index \`models_project_id_index\` on \`models\` (\`project_id\`);`);

    this.addSql(
      `create table \`monthly_usage\` (\`id\` text not null, \`organization_id\` text not null, \`month\` text not null, \`optimizations\` integer not null default 0, primary key (\`id\`));`,
    );
    this.addSql(
      `create unique index \`monthly_usage_organization_id_month_unique\` on \`monthly_usage\` (\`organization_id\`, \`month\`);`,
    );

    this.addSql(
      `create table \`organizations\` (\`id\` text not null, \`name\` text not null, \`tier\` text not null, \`personal\` integer not null default false, \`created_at\` datetime not null, primary key (\`id\`));`,
    );

    this.addSql(
      `create table \`outbox_messages\` (\`id\` text not null, \`kind\` text not null, \`recipient\` text not null, \`subject\` text not null, \`body\` text not null, \`created_at\` datetime not null, \`delivered_at\` datetime null, primary key (\`id\`));`,
    );
    this.addSql(`create index \`outbox_messages_delivered_at_index\` on \`outbox_messages\` (\`delivered_at\`);`);

    this.addSql(
      `create table \`password_reset_tokens\` (\`id\` text not null, \`user_id\` text not null, \`token_hash\` text not null, \`expires_at\` datetime not null, \`used_at\` datetime null, \`created_at\` datetime not null, primary key (\`id\`));`,
    );
    this.addSql(`create index \`password_reset_tokens_user_id_index\` on \`password_reset_tokens\` (\`user_id\`);`);
    this.addSql(
      `create unique index \`password_reset_tokens_token_hash_unique\` on \`password_reset_tokens\` (\`token_hash\`);`,
    );

    this.addSql(
      `create table \`projects\` (\`id\` text not null, \`organization_id\` text not null, \`name\` text not null, \`description\` text not null default '', \`created_by\` text not null, \`created_at\` datetime not null, primary key (\`id\`));`,
    );
    this.addSql(`create index \`projects_organization_id_index\` on \`projects\` (\`organization_id\`);`);

    this.addSql(
      `create table \`refresh_tokens\` (\`id\` text not null, \`user_id\` text not null, \`family_id\` text not null, \`token_hash\` text not null, \`expires_at\` datetime not null, \`used_at\` datetime null, \`revoked_at\` datetime null, \`created_at\` datetime not null, primary key (\`id\`));`,
    );
    this.addSql(`create index \`refresh_tokens_user_id_index\` on \`refresh_tokens\` (\`user_id\`);`);
    this.addSql(`create index \`refresh_tokens_family_id_index\` on \`refresh_tokens\` (\`family_id\`);`);
    this.addSql(`create unique index \`refresh_tokens_token_hash_unique\` on \`refresh_tokens\` (\`token_hash\`);`);

    this.addSql(
      `create table \`users\` (\`id\` text not null, \`email\` text not null, \`password_hash\` text not null, \`name\` text not null, \`is_operator\` integer not null default false, \`created_at\` datetime not null, \`updated_at\` datetime not null, primary key (\`id\`));`,
    );
    this.addSql(`create unique index \`users_email_unique\` on \`users\` (\`email\`);`);
  }
}
