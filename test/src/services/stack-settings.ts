import { randomUUID } from "node:crypto";
import { createTinymlClient, type TinymlClient } from "@tinyml/sdk";
import pg from "pg";

/** The variables the integration stack printed (DATABASE_URL, TEMPORAL_ADDRESS, S3_*), as `inject("stackEnv")` gives them. */
export type StackEnv = Record<string, string>;

/** Control-plane settings that put its blobs in the stack's S3-compatible server. */
export function s3BlobSettings(env: StackEnv) {
  return {
    BLOB_STORE: "s3",
    S3_ENDPOINT: env.S3_ENDPOINT as string,
    S3_BUCKET: env.S3_BUCKET as string,
    S3_REGION: env.S3_REGION as string,
    S3_ACCESS_KEY_ID: env.S3_ACCESS_KEY_ID as string,
    S3_SECRET_ACCESS_KEY: env.S3_SECRET_ACCESS_KEY as string,
  } as const;
}

/** A new, empty database on the stack's PostgreSQL server, so that a suite starts from an empty schema; its URL. */
export async function freshPostgresDatabase(env: StackEnv, prefix: string): Promise<string> {
  const name = `${prefix}_${randomUUID().replaceAll("-", "")}`;
  const admin = new pg.Client({ connectionString: env.DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(env.DATABASE_URL as string);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Signs a new user up (its own organization, Free tier) through the SDK and makes an API key for it. */
export async function signUpWithApiKey(
  url: string,
  label: string,
): Promise<{ apiKey: string; api: TinymlClient; email: string }> {
  const email = `${label}-${randomUUID()}@tinyml.test`;
  const session = await createTinymlClient({ url }).auth.signup.mutate({
    email,
    password: `${label}-password-1`,
    name: label,
  });
  const { key } = await createTinymlClient({ url, apiKey: session.accessToken }).apiKeys.create.mutate({ name: label });
  return { apiKey: key, api: createTinymlClient({ url, apiKey: key }), email };
}
