export { analyzeGraph, type LayerAnalysis, type ModelAnalysis, macsOf, peakActivationMemory } from "./analyze.js";
