import type { TestProject } from "vitest/node";
import { startStack } from "../services/stack.js";

declare module "vitest" {
  export interface ProvidedContext {
    stackEnv: Record<string, string>;
  }
}

/**
 * Starts the real services the integration suite runs against (PostgreSQL, the Temporal dev server, the
 * S3-compatible server) and stops them when the suite ends, whatever its outcome.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  const stack = await startStack(["postgres", "temporal", "s3"]);
  console.log(`[integration] services ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  project.provide("stackEnv", stack.env);
  return () => stack.stop();
}
