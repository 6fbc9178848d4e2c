/** Value formats the API servers involved would reject: checked at render time to fail early and located. */
import { isIP } from 'node:net';

const DURATION_UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
const DURATION = /^([+-])?((?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+|0)$/;
const DURATION_PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g;

/** Go's time.ParseDuration (what metav1.Duration uses), in seconds; undefined when not a duration. */
export function parseGoDuration(text: string): number | undefined {
  const match = DURATION.exec(text);
  if (!match) return undefined;
  if (match[2] === '0') return 0;
  let ns = 0;
  for (const part of match[2]!.matchAll(DURATION_PART)) ns += Number(part[1]) * DURATION_UNIT_NS[part[2]!]!;
  return (match[1] === '-' ? -ns : ns) / 1e9;
}

const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** A DNS name for a certificate SAN: RFC 1123 labels, a leading `*.` wildcard allowed. */
export function isDNSName(name: string): boolean {
  if (name.length === 0 || name.length > 253) return false;
  const labels = name.split('.');
  if (labels[0] === '*') labels.shift();
  return labels.length > 0 && labels.every((label) => LABEL.test(label));
}

/** Kubernetes object names (RFC 1123 subdomain, lower case). */
export function isSubdomainName(name: string): boolean {
  return name.length <= 253 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(name);
}

/** Service and namespace names (RFC 1035 label / RFC 1123 label). */
export function isLabelName(name: string, startWithLetter = false): boolean {
  return name.length <= 63 && (startWithLetter ? /^[a-z]([-a-z0-9]*[a-z0-9])?$/ : /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/).test(name);
}

export function isIPAddress(address: string): boolean {
  return isIP(address) !== 0;
}

/**
 * An absolute URI in RFC 3986 syntax: a scheme, then only the characters the RFC allows (ASCII
 * unreserved, sub-delims, `:@/?`, `[]` for IPv6 hosts, percent escapes), at most one `#`. A regular
 * expression, so the answer depends on the value alone (Node 20's URL.canParse gave different
 * answers for the same value depending on what it had parsed before).
 */
const URI_CHARS = "(?:[A-Za-z0-9\\-._~!$&'()*+,;=:@/?\\[\\]]|%[0-9A-Fa-f]{2})*";
const URI = new RegExp(`^[A-Za-z][A-Za-z0-9+.-]*:${URI_CHARS}(?:#${URI_CHARS})?$`);

export function isURI(uri: string): boolean {
  return uri.length <= 2048 && URI.test(uri) && uri.indexOf(':') < uri.length - 1;
}

export function isEmailAddress(address: string): boolean {
  return /^[^@\s]+@[^@\s]+$/.test(address);
}

const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** A label key: `[prefix/]name`, the prefix a DNS subdomain, the name at most 63 characters. */
export function isLabelKey(key: string): boolean {
  const slash = key.lastIndexOf('/');
  const [prefix, name] = slash < 0 ? [undefined, key] : [key.slice(0, slash), key.slice(slash + 1)];
  if (prefix !== undefined && !isSubdomainName(prefix)) return false;
  return name.length <= 63 && LABEL_NAME.test(name);
}

/** A label value: empty, or at most 63 characters of alphanumerics, `-`, `_`, `.`, alphanumeric at both ends. */
export function isLabelValue(value: string): boolean {
  return value === '' || (value.length <= 63 && LABEL_NAME.test(value));
}
