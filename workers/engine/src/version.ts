/** The engine's version, written into every report. */
export const ENGINE_VERSION = "0.1.0";
