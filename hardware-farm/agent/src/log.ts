/** Where the agent says what it does: one line per event, on stderr by default. */
export interface AgentLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const consoleLog = (prefix: string): AgentLog => ({
  info: (m) => console.error(`${new Date().toISOString()} ${prefix} info ${m}`),
  warn: (m) => console.error(`${new Date().toISOString()} ${prefix} warn ${m}`),
  error: (m) => console.error(`${new Date().toISOString()} ${prefix} error ${m}`),
});
