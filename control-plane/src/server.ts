import { serve } from "@hono/node-server";
import { loadControlPlaneConfig } from "./config.js";
import { createControlPlane } from "./control-plane.js";

const config = loadControlPlaneConfig();
const controlPlane = await createControlPlane(config);
const server = serve({ fetch: controlPlane.app.fetch, port: config.PORT, hostname: config.HOST }, (info) => {
  console.log(`control plane listening on http://${info.address}:${info.port}`);
});
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => server.close(() => void controlPlane.close().then(() => process.exit(0))));
}
