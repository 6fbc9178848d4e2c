/**
 * What the NetworkPolicy tests on the control plane (network-policy.test.ts) and under kube-router
 * (network-policy-enforcement.test.ts) share: the world's databases, rendered by the built function
 * with a `networkPolicies` config.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { AGENT_IMAGE } from '../../src/test-support/fixtures';
import { perconaXtraDB } from '../watch/fixture';
import type { KObject } from './render';

const BUNDLE = join(__dirname, '../../dist/pxc-tls.cjs');

/** The watcher tests' database (test/watch/fixture.ts: 3 replicas), monitored or not. */
export function database(name: string, namespace: string, monitored: boolean): object {
  const db = perconaXtraDB(name, namespace) as { spec: Record<string, unknown> };
  if (monitored) db.spec.monitor = { agent: 'prometheus.io/operator' };
  return db;
}

/** The built function on a ResourceList, as kpt would run it, with `networkPolicies` options; the rendered objects (no local-config ones). */
export function renderWithPolicies(items: object[], networkPolicies: Record<string, unknown>): KObject[] {
  const functionConfig = { apiVersion: 'fn.pxc-tls.dev/v1alpha1', kind: 'PxcTlsConfig', metadata: { name: 'pxc-tls' }, spec: { networkPolicies, images: { agent: AGENT_IMAGE } } };
  const run = spawnSync(process.execPath, [BUNDLE], { input: stringify({ apiVersion: 'config.kubernetes.io/v1', kind: 'ResourceList', items, functionConfig }), encoding: 'utf8', timeout: 60_000 });
  if (run.status !== 0) throw new Error(`pxc-tls exited ${run.status}: ${run.stderr}`);
  return (parse(run.stdout) as { items: KObject[] }).items.filter((o) => o.metadata.annotations?.['config.kubernetes.io/local-config'] !== 'true');
}
