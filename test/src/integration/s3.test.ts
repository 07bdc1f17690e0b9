import { randomUUID } from "node:crypto";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { afterAll, describe, expect, inject, it } from "vitest";

const env = inject("stackEnv");
const s3 = new S3Client({
  endpoint: env.S3_ENDPOINT,
  region: env.S3_REGION,
  forcePathStyle: true,
  credentials: { accessKeyId: env.S3_ACCESS_KEY_ID as string, secretAccessKey: env.S3_SECRET_ACCESS_KEY as string },
});
const Bucket = env.S3_BUCKET as string;
afterAll(() => s3.destroy());

describe("S3-compatible server (real SeaweedFS)", () => {
  it("puts, gets, lists and deletes objects", async () => {
    const prefix = `models/${randomUUID()}/`;
    const body = new Uint8Array(300_000).map((_, i) => (i * 31) % 251);
    await s3.send(new PutObjectCommand({ Bucket, Key: `${prefix}model.tflite`, Body: body }));
    await s3.send(new PutObjectCommand({ Bucket, Key: `${prefix}report.json`, Body: '{"ok":true}' }));

    const got = await s3.send(new GetObjectCommand({ Bucket, Key: `${prefix}model.tflite` }));
    const bytes = await got.Body?.transformToByteArray();
    expect(bytes?.length).toBe(body.length);
    expect(Buffer.from(bytes ?? []).equals(Buffer.from(body))).toBe(true);

    const listed = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: prefix }));
    expect(listed.Contents?.map((o) => [o.Key, o.Size])).toEqual([
      [`${prefix}model.tflite`, 300_000],
      [`${prefix}report.json`, 11],
    ]);

    await s3.send(new DeleteObjectCommand({ Bucket, Key: `${prefix}model.tflite` }));
    await expect(s3.send(new GetObjectCommand({ Bucket, Key: `${prefix}model.tflite` }))).rejects.toBeInstanceOf(
      NoSuchKey,
    );
    const after = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: prefix }));
    expect(after.Contents?.map((o) => o.Key)).toEqual([`${prefix}report.json`]);
  });

  it("refuses a wrong secret", async () => {
    const intruder = new S3Client({
      endpoint: env.S3_ENDPOINT,
      region: env.S3_REGION,
      forcePathStyle: true,
      credentials: { accessKeyId: env.S3_ACCESS_KEY_ID as string, secretAccessKey: "wrong" },
    });
    await expect(intruder.send(new ListObjectsV2Command({ Bucket }))).rejects.toThrow();
    intruder.destroy();
  });
});
