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
      `create table \`email_verification_tokens\` (\`id\` text not null, \`user_id\` text not null, \`email\` text not null, \`token_hash\` text not null, \`expires_at\` datetime not null, \`used_at\` datetime null, \`created_at\` datetime not null, primary key (\`id\`));`,
    );
    this.addSql(
      `create index \`email_verification_tokens_user_id_index\` on \`email_verification_tokens\` (\`user_id\`);`,
    );
    this.addSql(
      `create unique index \`email_verification_tokens_token_hash_unique\` on \`email_verification_tokens\` (\`token_hash\`);`,
    );

    this.addSql(`alter table \`outbox_messages\` add column \`status\` text not null default 'pending';`);
    this.addSql(`alter table \`outbox_messages\` add column \`error\` text null;`);
    this.addSql(
      `update \`outbox_messages\` set \`status\` = case when \`delivered_at\` is null then 'not_sent' else 'sent' end;`,
    );
    this.addSql(`alter table \`outbox_messages\` drop column \`body\`;`);
    this.addSql(
      `update \`password_reset_tokens\` set \`used_at\` = cast(strftime('%s', 'now') as integer) * 1000 where \`used_at\` is null;`,
    );

    this.addSql(`alter table \`users\` add column \`email_verified\` integer not null default false;`);
    this.addSql(`alter table \`users\` add column \`session_generation\` integer not null default 0;`);
    this.addSql(`update \`users\` set \`is_operator\` = false;`);
  }
}
