import { FARM_HEARTBEAT_INTERVAL_MS, FARM_REPORT_PATH, type FarmReport } from "@tinyml/workflows/contracts";
import type { BoardPool } from "./board-pool.js";
import type { AgentLog } from "./log.js";

const REPORT_TIMEOUT_MS = 10_000;

/**
 * Tells the control plane about this host's boards: POSTs the whole `FarmReport` on start, every
 * `FARM_HEARTBEAT_INTERVAL_MS`, and at once when a board changes status (so a busy or unhealthy board shows
 * without waiting for the next beat). A control plane that cannot be reached is logged and tried again at the next
 * beat; it never stops benchmarks.
 */
export class BoardReporter {
  private timer: NodeJS.Timeout | null = null;
  private sending: Promise<void> | null = null;
  private again = false;
  private unsubscribe: (() => void) | null = null;
  private lastFailure: string | null = null;

  constructor(
    private readonly options: {
      host: string;
      pool: BoardPool;
      controlPlane: { url: string; token: string };
      log: AgentLog;
      intervalMs?: number;
    },
  ) {}

  start(): void {
    this.unsubscribe = this.options.pool.onChange(() => this.send());
    this.timer = setInterval(() => this.send(), this.options.intervalMs ?? FARM_HEARTBEAT_INTERVAL_MS);
    this.timer.unref();
    this.send();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.unsubscribe?.();
    await this.sending;
  }

  /** Sends the current report; a change during a send is sent right after it. */
  private send(): void {
    if (this.sending) {
      this.again = true;
      return;
    }
    this.sending = this.post().finally(() => {
      this.sending = null;
      if (this.again) {
        this.again = false;
        this.send();
      }
    });
  }

  private async post(): Promise<void> {
    const report: FarmReport = { host: this.options.host, boards: this.options.pool.report() };
    const url = `${this.options.controlPlane.url.replace(/\/+$/, "")}${FARM_REPORT_PATH}`;
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${this.options.controlPlane.token}` },
        body: JSON.stringify(report),
        signal: AbortSignal.timeout(REPORT_TIMEOUT_MS),
      });
      if (!response.ok) throw new Error(`HTTP ${response.status} ${(await response.text()).slice(0, 200)}`);
      if (this.lastFailure) this.options.log.info(`board reports reach ${url} again`);
      this.lastFailure = null;
    } catch (e) {
      const why = (e as Error).message;
      // one line per kind of failure, not one per beat
      if (why !== this.lastFailure) this.options.log.warn(`cannot report boards to ${url}: ${why} (retrying)`);
      this.lastFailure = why;
    }
  }
}
