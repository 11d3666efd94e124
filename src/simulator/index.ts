/**
 * The provider simulator: a fake LLM provider speaking the OpenAI and Anthropic wire formats,
 * with scripted latency, pacing, faults and rate limits per API key. Point a client (or a
 * gateway provider) at `${handle.url}/v1`.
 */
export { startSimulator, type SimulatorHandle } from './start-simulator.js';
export { runSimulatorCli, SIMULATOR_USAGE, type LogLine } from './cli.js';
export {
  behaviourSchema,
  faultSchema,
  rateLimitSchema,
  simulatorOptionsSchema,
  type Behaviour,
  type Fault,
  type FaultType,
  type RateLimit,
  type SimulatorOptions,
} from './schema.js';
export type { KeyStats, SimulatorStats } from './stats-recorder.js';
export { ANONYMOUS_KEY } from './simulator-state.js';
export { DEFAULT_EMBEDDING_DIMENSIONS, embeddingVector } from './embeddings.js';
export { SIMULATED_MODELS } from './models.js';
