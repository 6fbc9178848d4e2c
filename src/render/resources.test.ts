import { DEFAULT_RESOURCES } from '../model/kubedb';
import { defaultUnlessSet, quantityValue, withDefaultResources } from './resources';

test.each([
  ['500m', 0.5], ['1', 1], ['1.5', 1.5], ['1Gi', 2 ** 30], ['512Mi', 2 ** 29], ['1G', 1e9], ['1e3', 1000], ['100k', 1e5], ['x', undefined], ['1Gb', undefined],
])('quantity %s', (text, value) => expect(quantityValue(text)).toBe(value));

describe('the database container: KubeDB\'s defaults merged with the user\'s (AM SetDefaultResourceLimits)', () => {
  const db = DEFAULT_RESOURCES.db;
  test.each([
    ['nothing set: the defaults', undefined, { requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '1Gi' } }],
    ['a memory request only: the limit follows it', { requests: { memory: '4Gi' } }, { requests: { cpu: '500m', memory: '4Gi' }, limits: { memory: '4Gi' } }],
    ['a memory limit only: the request is the limit', { limits: { memory: '2Gi' } }, { requests: { cpu: '500m', memory: '2Gi' }, limits: { memory: '2Gi' } }],
    ['a limit below the request is raised to it', { requests: { memory: '2Gi' }, limits: { memory: '1Gi' } }, { requests: { cpu: '500m', memory: '2Gi' }, limits: { memory: '2Gi' } }],
    ['a CPU limit is kept, never added', { limits: { cpu: '2' } }, { requests: { cpu: '2', memory: '1Gi' }, limits: { cpu: '2', memory: '1Gi' } }],
    ['other resources pass through', { requests: { 'ephemeral-storage': '1Gi' } }, { requests: { 'ephemeral-storage': '1Gi', cpu: '500m', memory: '1Gi' }, limits: { memory: '1Gi' } }],
  ])('%s', (_name, user, expected) => expect(withDefaultResources(user, db)).toEqual(expected));
});

test('the init container: the defaults only when the user set nothing', () => {
  expect(defaultUnlessSet(undefined, DEFAULT_RESOURCES.init)).toEqual({ requests: { cpu: '200m', memory: '256Mi' }, limits: { memory: '512Mi' } });
  expect(defaultUnlessSet({ requests: { cpu: '1' } }, DEFAULT_RESOURCES.init)).toEqual({ requests: { cpu: '1' } });
});
