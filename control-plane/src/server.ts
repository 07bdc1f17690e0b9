import { serve } from "@hono/node-server";
import { loadControlPlaneConfig } from "./config.js";
import { createControlPlane } from "./control-plane.js";
import { mailNotice } from "./mail/mailer.js";
import { serveMetrics } from "./metrics/metrics-listener.js";

const config = loadControlPlaneConfig();
const controlPlane = await createControlPlane(config);
const metrics = await serveMetrics({
  registry: controlPlane.metrics.registry,
  port: config.METRICS_PORT,
  host: config.METRICS_HOST,
});
const server = serve({ fetch: controlPlane.app.fetch, port: config.PORT, hostname: config.HOST }, (info) => {
  console.log(`control plane listening on http://${info.address}:${info.port} (public URL ${config.PUBLIC_URL})`);
  console.log(`metrics on ${metrics.url}`);
  if (!config.FARM_TOKEN) console.log("farm board reports are off: set FARM_TOKEN to accept them");
  console.log(mailNotice(controlPlane.services.mailer, config));
});
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    // Leave the control-plane task queue first, so Temporal hands its activities to another control plane.
    void controlPlane.activityWorker?.stop();
    void metrics.close();
    server.close(() => void controlPlane.close().then(() => process.exit(0)));
  });
}
