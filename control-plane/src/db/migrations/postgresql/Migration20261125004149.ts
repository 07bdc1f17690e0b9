import { Migration } from "@mikro-orm/migrations";

export class Migration20261125004149 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "api_keys" ("id" uuid not null, "organization_id" uuid not null, "user_id" uuid not null, "name" varchar(200) not null, "prefix" varchar(32) not null, "secret_hash" varchar(64) not null, "created_at" timestamptz not null, "last_used_at" timestamptz null, "revoked_at" timestamptz null, constraint "api_keys_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "api_keys_organization_id_index" on "api_keys" ("organization_id");`);
    this.addSql(`alter table "api_keys" add constraint "api_keys_prefix_unique" unique ("prefix");`);

    this.addSql(
      `create table "audit_events" ("id" uuid not null, "organization_id" uuid null, "actor_user_id" uuid null, "action" varchar(100) not null, "details" jsonb not null, "created_at" timestamptz not null, constraint "audit_events_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "audit_events_organization_id_index" on "audit_events" ("organization_id");`);

    this.addSql(
      `create table "jobs" ("id" uuid not null, "organization_id" uuid not null, "project_id" uuid not null, "model_id" uuid not null, "spec" jsonb not null, "hardware_target" varchar(20) not null, "tier" varchar(20) not null, "status" varchar(20) not null, "stage" varchar(20) not null, "progress" double precision not null default 0, "workflow_id" varchar(100) not null, "dataset_blob_key" varchar(300) null, "dataset_bytes" bigint null, "dataset_sha256" varchar(64) null, "error_message" text null, "created_by" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "started_at" timestamptz null, "completed_at" timestamptz null, constraint "jobs_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "jobs_organization_id_index" on "jobs" ("organization_id");`);
    this.addSql(`create index "jobs_project_id_index" on "jobs" ("project_id");`);

    this.addSql(
      `create table "job_results" ("id" uuid not null, "job_id" uuid not null, "organization_id" uuid not null, "metrics" jsonb not null, "artifact_blob_key" varchar(300) null, "artifact_file_name" varchar(300) null, "created_at" timestamptz not null, constraint "job_results_pkey" primary key ("id"));`,
    );
    this.addSql(`alter table "job_results" add constraint "job_results_job_id_unique" unique ("job_id");`);
    this.addSql(`create index "job_results_organization_id_index" on "job_results" ("organization_id");`);

    this.addSql(
      `create table "memberships" ("id" uuid not null, "organization_id" uuid not null, "user_id" uuid not null, "role" varchar(20) not null, "created_at" timestamptz not null, constraint "memberships_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "memberships_organization_id_index" on "memberships" ("organization_id");`);
    this.addSql(`create index "memberships_user_id_index" on "memberships" ("user_id");`);
    this.addSql(
      `alter table "memberships" add constraint "memberships_organization_id_user_id_unique" unique ("organization_id", "user_id");`,
    );

    this.addSql(
      `create table "models" ("id" uuid not null, "organization_id" uuid not null, "project_id" uuid not null, "blob_key" varchar(300) not null, "file_name" varchar(300) not null, "framework" varchar(20) not null, "format" varchar(30) not null, "size_bytes" bigint not null, "sha256" varchar(64) not null, "created_at" timestamptz not null, constraint "models_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "models_organization_id_index" on "models" ("organization_id");`);
    this.addSql(`create index "models_project_id_index" on "models" ("project_id");`);

    this.addSql(
      `create table "monthly_usage" ("id" uuid not null, "organization_id" uuid not null, "month" varchar(7) not null, "optimizations" int not null default 0, constraint "monthly_usage_pkey" primary key ("id"));`,
    );
    this.addSql(
      `alter table "monthly_usage" add constraint "monthly_usage_organization_id_month_unique" unique ("organization_id", "month");`,
    );

    this.addSql(
      `create table "organizations" ("id" uuid not null, "name" varchar(200) not null, "tier" varchar(20) not null, "personal" boolean not null default false, "created_at" timestamptz not null, constraint "organizations_pkey" primary key ("id"));`,
    );

    this.addSql(
      `create table "outbox_messages" ("id" uuid not null, "kind" varchar(50) not null, "recipient" varchar(320) not null, "subject" varchar(300) not null, "body" text not null, "created_at" timestamptz not null, "delivered_at" timestamptz null, constraint "outbox_messages_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "outbox_messages_delivered_at_index" on "outbox_messages" ("delivered_at");`);

    this.addSql(
      `create table "password_reset_tokens" ("id" uuid not null, "user_id" uuid not null, "token_hash" varchar(64) not null, "expires_at" timestamptz not null, "used_at" timestamptz null, "created_at" timestamptz not null, constraint "password_reset_tokens_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "password_reset_tokens_user_id_index" on "password_reset_tokens" ("user_id");`);
    this.addSql(
      `alter table "password_reset_tokens" add constraint "password_reset_tokens_token_hash_unique" unique ("token_hash");`,
    );

    this.addSql(
      `create table "projects" ("id" uuid not null, "organization_id" uuid not null, "name" varchar(200) not null, "description" text not null default '', "created_by" uuid not null, "created_at" timestamptz not null, constraint "projects_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "projects_organization_id_index" on "projects" ("organization_id");`);

    this.addSql(
      `create table "refresh_tokens" ("id" uuid not null, "user_id" uuid not null, "family_id" uuid not null, "token_hash" varchar(64) not null, "expires_at" timestamptz not null, "used_at" timestamptz null, "revoked_at" timestamptz null, "created_at" timestamptz not null, constraint "refresh_tokens_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "refresh_tokens_user_id_index" on "refresh_tokens" ("user_id");`);
    this.addSql(`create index "refresh_tokens_family_id_index" on "refresh_tokens" ("family_id");`);
    this.addSql(
      `alter table "refresh_tokens" add constraint "refresh_tokens_token_hash_unique" unique ("token_hash");`,
    );

    this.addSql(
      `create table "users" ("id" uuid not null, "email" varchar(320) not null, "password_hash" varchar(255) not null, "name" varchar(200) not null, "is_operator" boolean not null default false, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "users_pkey" primary key ("id"));`,
    );
    this.addSql(`alter table "users" add constraint "users_email_unique" unique ("email");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "api_keys" cascade;`);

    this.addSql(`drop table if exists "audit_events" cascade;`);

    this.addSql(`drop table if exists "jobs" cascade;`);

    this.addSql(`drop table if exists "job_results" cascade;`);

    this.addSql(`drop table if exists "memberships" cascade;`);

    this.addSql(`drop table if exists "models" cascade;`);

    this.addSql(`drop table if exists "monthly_usage" cascade;`);

    this.addSql(`drop table if exists "organizations" cascade;`);

    this.addSql(`drop table if exists "outbox_messages" cascade;`);

    this.addSql(`drop table if exists "password_reset_tokens" cascade;`);

    this.addSql(`drop table if exists "projects" cascade;`);

    this.addSql(`drop table if exists "refresh_tokens" cascade;`);

    this.addSql(`drop table if exists "users" cascade;`);
  }
}
