import type { FaultType } from './schema.js';

export interface KeyStats {
  requests: number;
  streams: number;
  /** Responses by HTTP status (as a string). Resets and hangs send no status and are counted under `faults`. */
  by_status: Record<string, number>;
  /** Faults applied, by type. */
  faults: Partial<Record<FaultType, number>>;
  /** Requests refused by the key's simulated rate limit (also counted as 429 in `by_status`). */
  rate_limited: number;
  input_tokens: number;
  output_tokens: number;
}

export interface SimulatorStats {
  total: KeyStats;
  keys: Record<string, KeyStats>;
}

function emptyKeyStats(): KeyStats {
  return { requests: 0, streams: 0, by_status: {}, faults: {}, rate_limited: 0, input_tokens: 0, output_tokens: 0 };
}

function countRequest(stats: KeyStats, isStream: boolean): void {
  stats.requests++;
  if (isStream) stats.streams++;
}

function countStatus(stats: KeyStats, label: string): void {
  stats.by_status[label] = (stats.by_status[label] ?? 0) + 1;
}

function countFault(stats: KeyStats, type: FaultType): void {
  stats.faults[type] = (stats.faults[type] ?? 0) + 1;
}

function countTokens(stats: KeyStats, input: number, output: number): void {
  stats.input_tokens += input;
  stats.output_tokens += output;
}

/** Counters per key and in total; every record call updates both. */
export class StatsRecorder {
  private total = emptyKeyStats();
  private keys = new Map<string, KeyStats>();

  request(key: string, isStream: boolean): void {
    countRequest(this.total, isStream);
    countRequest(this.forKey(key), isStream);
  }

  status(key: string, status: number): void {
    const label = String(status);
    countStatus(this.total, label);
    countStatus(this.forKey(key), label);
  }

  fault(key: string, type: FaultType): void {
    countFault(this.total, type);
    countFault(this.forKey(key), type);
  }

  rateLimited(key: string): void {
    this.total.rate_limited++;
    this.forKey(key).rate_limited++;
  }

  tokens(key: string, input: number, output: number): void {
    countTokens(this.total, input, output);
    countTokens(this.forKey(key), input, output);
  }

  snapshot(): SimulatorStats {
    return structuredClone({ total: this.total, keys: Object.fromEntries(this.keys) });
  }

  clear(): void {
    this.total = emptyKeyStats();
    this.keys = new Map();
  }

  private forKey(key: string): KeyStats {
    let stats = this.keys.get(key);
    if (stats === undefined) {
      stats = emptyKeyStats();
      this.keys.set(key, stats);
    }
    return stats;
  }
}
