export const SERVICE_NAME = "TinyML optimization service";
export const API_VERSION = "0.1.0";
