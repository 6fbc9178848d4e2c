/** A finding about one input object, before it becomes a KRM result. */
export interface Problem {
  severity: 'error' | 'warning' | 'info';
  /** Field path in the object, kpt style: `spec.tls.certificates[0].alias`. */
  path?: string;
  message: string;
}

export const error = (path: string | undefined, message: string): Problem => (path ? { severity: 'error', path, message } : { severity: 'error', message });
export const warning = (path: string | undefined, message: string): Problem => (path ? { severity: 'warning', path, message } : { severity: 'warning', message });

/** Small type guards over untrusted YAML values, each reporting at a path. */
export function isString(value: unknown): value is string {
  return typeof value === 'string';
}

export function checkType(path: string, value: unknown, expected: 'string' | 'boolean' | 'integer' | 'object' | 'list' | 'string list'): Problem[] {
  if (value === undefined || value === null) return [];
  const ok =
    expected === 'string' ? typeof value === 'string'
    : expected === 'boolean' ? typeof value === 'boolean'
    : expected === 'integer' ? Number.isInteger(value)
    : expected === 'object' ? typeof value === 'object' && !Array.isArray(value)
    : expected === 'list' ? Array.isArray(value)
    : Array.isArray(value) && value.every((v) => typeof v === 'string');
  return ok ? [] : [error(path, `must be ${expected === 'integer' || expected === 'object' ? 'an' : 'a'} ${expected}, got ${describe(value)}`)];
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}
