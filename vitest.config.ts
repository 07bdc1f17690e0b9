import { defineConfig } from "vitest/config";

/**
 * One Vitest run covers the workspace: a project per package for its unit tests, plus the `integration`
 * project (test/src/integration) whose global setup starts PostgreSQL, the Temporal dev server and the
 * S3-compatible server and stops them at the end. Cross-package imports resolve to built `dist/` entries,
 * so `pnpm build` runs first (the README's test command does).
 */
const unit = (name: string, root: string, include = ["src/**/*.test.ts"]) => ({
  test: { name, root, include, testTimeout: 30_000 },
});

export default defineConfig({
  test: {
    projects: [
      unit("workflows", "workflows"),
      unit("engine", "workers/engine"),
      unit("workers", "workers/service"),
      unit("emulator", "hardware-farm/emulator"),
      unit("farm-agent", "hardware-farm/agent"),
      unit("control-plane", "control-plane"),
      unit("sdk", "sdk/client"),
      unit("boundaries", "test", ["src/boundaries/**/*.test.ts"]),
      {
        test: {
          name: "integration",
          root: "test",
          include: ["src/integration/**/*.test.ts"],
          globalSetup: ["src/integration/global-setup.ts"],
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
