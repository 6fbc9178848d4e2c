import { credentialNeeds, credentialsProblem } from './credentials';
import { pod } from './testing/objects';
import type { PodObject } from './types';

function withEnv(p: PodObject, env: NonNullable<NonNullable<PodObject['spec']>['containers']>[number]['env'], init = false): PodObject {
  p.spec![init ? 'initContainers' : 'containers'] = [{ name: 'c', env }];
  return p;
}
const ref = (name: string, secret: string, key: string, optional?: boolean) => ({ name, valueFrom: { secretKeyRef: { name: secret, key, ...(optional ? { optional } : {}) } } });

test('needs: every non-optional secretKeyRef of containers and init containers, merged over pods, sorted', () => {
  const a = withEnv(pod('demo', 'db', 0), [ref('MONITOR_PASSWORD', 'db-monitor', 'password'), ref('MONITOR_USERNAME', 'db-monitor', 'username'), ref('X', 'opt', 'k', true), { name: 'PLAIN' }]);
  const b = withEnv(pod('demo', 'db', 1), [ref('MYSQL_ROOT_PASSWORD', 'db-auth', 'password')], true);
  expect(credentialNeeds([a, b])).toEqual([
    { secretName: 'db-auth', key: 'password', variables: ['MYSQL_ROOT_PASSWORD'] },
    { secretName: 'db-monitor', key: 'password', variables: ['MONITOR_PASSWORD'] },
    { secretName: 'db-monitor', key: 'username', variables: ['MONITOR_USERNAME'] },
  ]);
});

test.each([
  ['a missing Secret', undefined, /^Secret demo\/db-monitor does not exist/],
  ['a missing key', { password: true }, /^Secret demo\/db-monitor has no key username \(MONITOR_USERNAME\)$/],
  ['an empty value', { username: false }, /has an empty username \(MONITOR_USERNAME\); the pods must not start with an empty credential$/],
  ['a value', { username: true }, undefined],
])('%s', (_name, keys, expected) => {
  const problem = credentialsProblem('demo', [{ secretName: 'db-monitor', key: 'username', variables: ['MONITOR_USERNAME'] }], () => keys);
  if (expected) expect(problem).toMatch(expected);
  else expect(problem).toBeUndefined();
});
