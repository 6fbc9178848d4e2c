/**
 * Items that look meant to be a PerconaXtraDB but are not one pxc-tls reads — a misspelt kind
 * (`PerconaXtraDb`), a misspelt group (`kubdb.com`), a version KubeDB's CRD does not serve — are
 * passed through unrendered: a warning names each. And a run that renders nothing because there is
 * no database says so.
 */
import { Result } from '../krm/results';
import { groupOf, KubeObject, refOf } from '../krm/types';
import { KUBEDB_GROUP, PERCONA_XTRADB_KIND, PERCONA_XTRADB_VERSIONS } from '../model/kubedb';
import { nearestWord } from '../model/near-miss';
import { isPerconaXtraDB } from '../model/perconaxtradb';

const SERVED = PERCONA_XTRADB_VERSIONS.map((v) => `${KUBEDB_GROUP}/${v}`).join(' or ');

function nearMiss(item: KubeObject): Result | undefined {
  if (isPerconaXtraDB(item)) return undefined;
  const group = groupOf(item.apiVersion);
  const kindIsOurs = item.kind === PERCONA_XTRADB_KIND;
  const kindIsNear = !kindIsOurs && nearestWord(item.kind, [PERCONA_XTRADB_KIND]) !== undefined;
  const groupIsOurs = group === KUBEDB_GROUP;
  const groupIsNear = !groupIsOurs && nearestWord(group, [KUBEDB_GROUP]) !== undefined;
  const warn = (path: string, message: string): Result => ({ severity: 'warning', message: `${message}: pxc-tls passes it through without rendering anything`, resourceRef: refOf(item), field: { path } });
  if (kindIsOurs && groupIsOurs) return warn('apiVersion', `${item.apiVersion} is not a version of PerconaXtraDB that KubeDB serves (${SERVED})`);
  if (kindIsOurs && groupIsNear) return warn('apiVersion', `group "${group}" is not ${KUBEDB_GROUP} (did you mean ${SERVED}?)`);
  if (kindIsNear && (groupIsOurs || groupIsNear)) return warn('kind', `kind "${item.kind}" is not ${PERCONA_XTRADB_KIND} (did you mean ${JSON.stringify(PERCONA_XTRADB_KIND)}?)`);
  return undefined;
}

export function nearMissResults(items: readonly KubeObject[]): Result[] {
  // A package repeats a few kinds thousands of times: judge each apiVersion and kind once.
  const nearKinds = new Map<string, boolean>();
  const results = items.flatMap((item) => {
    const key = `${item.apiVersion}\n${item.kind}`;
    if (nearKinds.get(key) === false) return [];
    const result = nearMiss(item);
    nearKinds.set(key, result !== undefined);
    return result ?? [];
  });
  if (!items.some(isPerconaXtraDB)) {
    results.push({
      severity: 'info',
      message: items.length === 0 ? 'the input has no items: nothing to render' : `no ${PERCONA_XTRADB_KIND} (${SERVED}) among the ${items.length} input items: nothing to render`,
    });
  }
  return results;
}
