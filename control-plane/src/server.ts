import { serve } from "@hono/node-server";
import { createApp } from "./app.js";
import { loadControlPlaneConfig } from "./config.js";

const config = loadControlPlaneConfig();
const server = serve({ fetch: createApp().fetch, port: config.PORT, hostname: config.HOST }, (info) => {
  console.log(`control plane listening on http://${info.address}:${info.port}`);
});
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => server.close(() => process.exit(0)));
}
