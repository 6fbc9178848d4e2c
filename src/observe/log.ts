/**
 * JSON lines on stdout: {"time","level","msg",...fields}. A redaction guard sits in the
 * serialiser, so Secret data can never reach the log, whatever a caller passes: values under
 * `data`/`stringData`/`binaryData`, any Buffer or key object, and any string holding PEM are
 * replaced by "[redacted]".
 */

import { KeyObject, X509Certificate } from 'node:crypto';

export type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export const REDACTED = '[redacted]';
const SECRET_FIELDS = new Set(['data', 'stringData', 'binaryData']);
const PEM_MARK = /-----BEGIN [A-Z0-9 ]+-----|PRIVATE KEY/;

function redactor(this: unknown, key: string, value: unknown): unknown {
  if (SECRET_FIELDS.has(key) && value !== null && typeof value === 'object') return REDACTED;
  if (typeof value === 'string' && PEM_MARK.test(value)) return REDACTED;
  if (value instanceof Error) return { message: value.message, ...('code' in value ? { code: (value as { code: unknown }).code } : {}) };
  if (value && typeof value === 'object') {
    if (value instanceof KeyObject || value instanceof X509Certificate || value instanceof Uint8Array) return REDACTED;
    // Buffers reach the replacer already turned into {type:'Buffer', data:[…]} by their toJSON.
    if ((value as { type?: unknown }).type === 'Buffer' && Array.isArray((value as { data?: unknown }).data)) return REDACTED;
  }
  return value;
}

/** One JSON line, redacted. */
export function formatLine(level: Level, msg: string, fields: Record<string, unknown>, now: Date): string {
  return `${JSON.stringify({ time: now.toISOString(), level, msg, ...fields }, redactor)}\n`;
}

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  with(fields: Record<string, unknown>): Logger;
}

export function createLogger(opts: { level?: Level; write?: (line: string) => void; now?: () => Date; base?: Record<string, unknown> } = {}): Logger {
  const min = ORDER[opts.level ?? 'info'];
  const write = opts.write ?? ((line: string) => process.stdout.write(line));
  const now = opts.now ?? (() => new Date());
  const base = opts.base ?? {};
  const emit = (level: Level) => (msg: string, fields: Record<string, unknown> = {}) => {
    if (ORDER[level] >= min) write(formatLine(level, msg, { ...base, ...fields }, now()));
  };
  return {
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    with: (fields) => createLogger({ ...opts, base: { ...base, ...fields } }),
  };
}
