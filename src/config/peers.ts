/**
 * `networkPolicies.mysqlFrom`: who may reach mysqld's port, as a list of NetworkPolicy peers made
 * of selectors only (`podSelector`, `namespaceSelector`). The typed config gives the list as
 * YAML; the ConfigMap form gives the same list as YAML text in one string value. Every problem is
 * reported at its own field path, all at once.
 */
import { parse } from 'yaml';
import { isPlainObject } from '../krm/types';
import { isLabelKey, isLabelValue } from '../model/formats';
import type { LabelSelector, LabelSelectorRequirement, PeerSelector } from '../model/options';

export interface PeerProblem {
  path: string;
  message: string;
}

const PEER_FIELDS = ['podSelector', 'namespaceSelector'] as const;
const SELECTOR_FIELDS = ['matchLabels', 'matchExpressions'];
const OPERATORS: ReadonlyArray<LabelSelectorRequirement['operator']> = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

export function parsePeers(raw: unknown, path: string): { peers?: PeerSelector[]; problems: PeerProblem[] } {
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = parse(raw);
    } catch (e) {
      return { problems: [{ path, message: `is not YAML: ${(e as Error).message.split('\n')[0]}` }] };
    }
  }
  if (!Array.isArray(value)) {
    return { problems: [{ path, message: 'must be a list of peers, each with a podSelector and/or a namespaceSelector' }] };
  }
  const problems: PeerProblem[] = [];
  const peers = value.map((item, i) => peer(item, `${path}[${i}]`, problems));
  return problems.length > 0 ? { problems } : { peers, problems };
}

function peer(item: unknown, path: string, problems: PeerProblem[]): PeerSelector {
  if (!isPlainObject(item)) {
    problems.push({ path, message: 'must be a mapping with a podSelector and/or a namespaceSelector' });
    return {};
  }
  const unknown = Object.keys(item).filter((key) => !(PEER_FIELDS as readonly string[]).includes(key));
  for (const key of unknown) {
    const hint = key === 'ipBlock' ? ' (only selectors are accepted: name the pods or namespaces, not addresses)' : '';
    problems.push({ path: `${path}.${key}`, message: `unknown field "${key}"; expected podSelector or namespaceSelector${hint}` });
  }
  if (unknown.length === 0 && !PEER_FIELDS.some((field) => item[field] !== undefined && item[field] !== null)) {
    problems.push({ path, message: 'needs a podSelector or a namespaceSelector' });
  }
  const out: PeerSelector = {};
  for (const field of PEER_FIELDS) {
    if (item[field] !== undefined && item[field] !== null) out[field] = selector(item[field], `${path}.${field}`, problems);
  }
  return out;
}

function selector(value: unknown, path: string, problems: PeerProblem[]): LabelSelector {
  if (!isPlainObject(value)) {
    problems.push({ path, message: 'must be a label selector (matchLabels and/or matchExpressions)' });
    return {};
  }
  for (const key of Object.keys(value)) {
    if (!SELECTOR_FIELDS.includes(key)) problems.push({ path: `${path}.${key}`, message: `unknown field "${key}"; expected matchLabels or matchExpressions` });
  }
  const out: LabelSelector = {};
  if (value.matchLabels !== undefined) {
    const labels = value.matchLabels;
    if (!isPlainObject(labels)) problems.push({ path: `${path}.matchLabels`, message: 'must be a mapping of label keys to values' });
    else {
      out.matchLabels = {};
      for (const [key, v] of Object.entries(labels)) {
        if (!isLabelKey(key)) problems.push({ path: `${path}.matchLabels.${key}`, message: `"${key}" is not a valid label key` });
        else if (typeof v !== 'string' || !isLabelValue(v)) problems.push({ path: `${path}.matchLabels.${key}`, message: `must be a label value (a string of at most 63 characters), got ${JSON.stringify(v)}` });
        else out.matchLabels[key] = v;
      }
    }
  }
  if (value.matchExpressions !== undefined) {
    const expressions = value.matchExpressions;
    if (!Array.isArray(expressions)) problems.push({ path: `${path}.matchExpressions`, message: 'must be a list of {key, operator, values}' });
    else out.matchExpressions = expressions.map((e, i) => requirement(e, `${path}.matchExpressions[${i}]`, problems));
  }
  return out;
}

function requirement(value: unknown, path: string, problems: PeerProblem[]): LabelSelectorRequirement {
  const fallback: LabelSelectorRequirement = { key: '', operator: 'Exists' };
  if (!isPlainObject(value)) {
    problems.push({ path, message: 'must be a mapping {key, operator, values}' });
    return fallback;
  }
  for (const key of Object.keys(value)) {
    if (!['key', 'operator', 'values'].includes(key)) problems.push({ path: `${path}.${key}`, message: `unknown field "${key}"; expected key, operator or values` });
  }
  const { key, operator, values } = value;
  if (typeof key !== 'string' || !isLabelKey(key)) problems.push({ path: `${path}.key`, message: `must be a valid label key, got ${JSON.stringify(key)}` });
  if (!OPERATORS.includes(operator as LabelSelectorRequirement['operator'])) {
    problems.push({ path: `${path}.operator`, message: `must be one of ${OPERATORS.join(', ')}, got ${JSON.stringify(operator)}` });
    return fallback;
  }
  const needsValues = operator === 'In' || operator === 'NotIn';
  const list = values ?? [];
  if (!Array.isArray(list) || !list.every((v) => typeof v === 'string' && isLabelValue(v))) {
    problems.push({ path: `${path}.values`, message: 'must be a list of label values' });
    return fallback;
  }
  if (needsValues && list.length === 0) problems.push({ path: `${path}.values`, message: `operator ${String(operator)} needs at least one value` });
  if (!needsValues && list.length > 0) problems.push({ path: `${path}.values`, message: `operator ${String(operator)} takes no values` });
  const out: LabelSelectorRequirement = { key: key as string, operator: operator as LabelSelectorRequirement['operator'] };
  if (needsValues) out.values = list as string[];
  return out;
}
