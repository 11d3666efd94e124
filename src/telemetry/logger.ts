import { pino } from 'pino';
import type { Logger } from 'pino';

export type { Logger };

/**
 * JSON logs (pino); human-readable when stdout is a terminal. Level from SWITCHYARD_LOG_LEVEL.
 * Secrets are redacted by path in case a config object is ever logged whole.
 */
export function createLogger(environment: NodeJS.ProcessEnv = process.env, destination?: NodeJS.WritableStream): Logger {
  const level = environment.SWITCHYARD_LOG_LEVEL ?? 'info';
  const redact = { paths: ['*.secret', '*.*.secret', 'secret', 'authorization', '*.authorization', 'token', '*.token'], censor: '[redacted]' };
  if (destination !== undefined) return pino({ level, redact, base: undefined }, destination);
  const pretty = process.stdout.isTTY && environment.SWITCHYARD_LOG_FORMAT !== 'json';
  if (pretty) {
    return pino({ level, redact, transport: { target: 'pino-pretty', options: { colorize: true, ignore: 'pid,hostname', translateTime: 'HH:MM:ss' } } });
  }
  return pino({ level, redact, base: { service: 'switchyard' } });
}
