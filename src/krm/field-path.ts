/**
 * Field paths in results, as kpt prints them: `spec.tls.certificates[0].alias`; a key that is not
 * a plain word is quoted in brackets: `metadata.labels["app.kubernetes.io/name"]`.
 */

export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  if (!/^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(key)) return `${parent}[${JSON.stringify(key)}]`;
  return parent ? `${parent}.${key}` : key;
}

/** `['spec', 'tls', 'certificates', 0, 'alias']` → `spec.tls.certificates[0].alias`. */
export function fieldPath(parts: ReadonlyArray<string | number>): string {
  return parts.reduce<string>((path, part) => childPath(path, part), '');
}
