import { Migration } from "@mikro-orm/migrations";

/**
 * Accounts (issue 11): e-mail verification (`users.email_verified`, `email_verification_tokens`), a session
 * generation per user that a password change or reset moves on (`users.session_generation`), and an outbox
 * that records messages without their bodies (`status`, `error`; `body` dropped). Data:
 * - every operator right is revoked: they were given by signing up with an address in OPERATOR_EMAILS, which
 *   nobody verified; operators are granted again with `admin.js grant-operator` to verified accounts;
 * - every unspent password reset token is spent: its plain text sat in an outbox body.
 */
export class Migration20261202161338 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "email_verification_tokens" ("id" uuid not null, "user_id" uuid not null, "email" varchar(320) not null, "token_hash" varchar(64) not null, "expires_at" timestamptz not null, "used_at" timestamptz null, "created_at" timestamptz not null, constraint "email_verification_tokens_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "email_verification_tokens_user_id_index" on "email_verification_tokens" ("user_id");`);
    this.addSql(
      `alter table "email_verification_tokens" add constraint "email_verification_tokens_token_hash_unique" unique ("token_hash");`,
    );

    this.addSql(
      `alter table "outbox_messages" add column "status" varchar(20) not null default 'pending', add column "error" text null;`,
    );
    this.addSql(
      `update "outbox_messages" set "status" = case when "delivered_at" is null then 'not_sent' else 'sent' end;`,
    );
    this.addSql(`alter table "outbox_messages" drop column "body";`);
    this.addSql(`update "password_reset_tokens" set "used_at" = now() where "used_at" is null;`);

    this.addSql(
      `alter table "users" add column "email_verified" boolean not null default false, add column "session_generation" int not null default 0;`,
    );
    this.addSql(`update "users" set "is_operator" = false;`);
  }
}
