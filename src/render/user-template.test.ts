import type { V1Container } from '@kubernetes/client-node';
import { mergeByKey, mergeContainers, refineContainer, userPodFields, v1alpha2ContainerFields } from './user-template';

const ours: V1Container = {
  name: 'db',
  image: 'ours',
  args: ['--a'],
  env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }],
  ports: [{ name: 'db', containerPort: 3306 }],
  volumeMounts: [{ name: 'data', mountPath: '/var/lib/mysql' }],
  securityContext: { runAsNonRoot: true, runAsUser: 1001 },
};

describe('refineContainer: how a user container of the same name refines ours', () => {
  it.each([
    ['env merges by name, in place, new names appended', { env: [{ name: 'B', value: 'x' }, { name: 'C', value: '3' }] }, { env: [{ name: 'A', value: '1' }, { name: 'B', value: 'x' }, { name: 'C', value: '3' }] }],
    ['volume mounts merge by mountPath', { volumeMounts: [{ name: 'other', mountPath: '/var/lib/mysql' }, { name: 'x', mountPath: '/x' }] }, { volumeMounts: [{ name: 'other', mountPath: '/var/lib/mysql' }, { name: 'x', mountPath: '/x' }] }],
    ['ports merge by containerPort', { ports: [{ name: 'mysql', containerPort: 3306, hostPort: 3306 }] }, { ports: [{ name: 'mysql', containerPort: 3306, hostPort: 3306 }] }],
    ['args are appended', { args: ['--b'] }, { args: ['--a', '--b'] }],
    ['securityContext merges field by field', { securityContext: { readOnlyRootFilesystem: true, runAsUser: 7 } }, { securityContext: { runAsNonRoot: true, runAsUser: 7, readOnlyRootFilesystem: true } }],
    ['any other field replaces ours', { image: 'theirs', resources: { limits: { cpu: '1' } } }, { image: 'theirs', resources: { limits: { cpu: '1' } } }],
    ['the name never changes, and null or absent fields change nothing', { name: 'other', image: null }, {}],
  ])('%s', (_name, theirs, changed) => {
    expect(refineContainer(ours, theirs)).toEqual({ ...ours, ...changed });
  });

  it('keeps the order of our fields, new fields after them', () => {
    expect(Object.keys(refineContainer(ours, { resources: {}, image: 'x' }))).toEqual([...Object.keys(ours), 'resources']);
  });
});

describe('mergeContainers', () => {
  it('refines ours by name and appends the user\'s others', () => {
    const merged = mergeContainers([ours, { name: 'sidecar', image: 'ours' }], [{ name: 'extra', image: 'busybox' }, { name: 'db', image: 'theirs' }]);
    expect(merged.map((c) => [c.name, c.image])).toEqual([['db', 'theirs'], ['sidecar', 'ours'], ['extra', 'busybox']]);
  });

  it('leaves ours alone when the user gave no list', () => {
    expect(mergeContainers([ours], undefined)).toEqual([ours]);
  });
});

describe('the user\'s pod template', () => {
  it('passes pod-level fields through, never the ones pxc-tls builds or KubeDB\'s own placement policy', () => {
    const template = { nodeSelector: { disk: 'ssd' }, containers: [], volumes: [], securityContext: {}, serviceAccountName: 'x', podPlacementPolicy: { name: 'p' }, priorityClassName: 'high', tolerations: null };
    expect(userPodFields(template, false)).toEqual({ nodeSelector: { disk: 'ssd' }, priorityClassName: 'high' });
  });

  it('in v1alpha2, reads the database container\'s fields from the pod level', () => {
    const template = { args: ['--x'], containerSecurityContext: { privileged: false }, nodeSelector: { a: 'b' } };
    expect(v1alpha2ContainerFields(template)).toEqual({ args: ['--x'], securityContext: { privileged: false } });
    expect(userPodFields(template, true)).toEqual({ nodeSelector: { a: 'b' } });
  });
});

it('mergeByKey replaces same-keyed entries in place and appends the rest', () => {
  expect(mergeByKey([{ k: 1, v: 'a' }, { k: 2, v: 'b' }], [{ k: 2, v: 'c' }, { k: 3, v: 'd' }], 'k')).toEqual([{ k: 1, v: 'a' }, { k: 2, v: 'c' }, { k: 3, v: 'd' }]);
});
