import { DEFAULT_RENDER_OPTIONS } from '../model/options';
import { perconaXtraDB, withSpec } from '../test-support/fixtures';
import { resolveDatabase } from './resolve';
import { parseQuantity, resourceWarnings, withDefaultResources } from './resources';

const durable = resolveDatabase(perconaXtraDB(), { ...DEFAULT_RENDER_OPTIONS });
const resourcesOf = (name: string, resources?: unknown, model = durable) => withDefaultResources(model, { name, ...(resources ? { resources } : {}) }).resources;

describe('parseQuantity', () => {
  it.each([
    ['500m', 0.5],
    ['2', 2],
    ['1Gi', 2 ** 30],
    ['256Mi', 2 ** 28],
    ['1G', 1e9],
    ['1e3', 1000],
    ['1.5Gi', 1.5 * 2 ** 30],
    [3, 3],
  ])('%j → %d', (text, value) => expect(parseQuantity(text)).toBe(value));
  it.each(['', '1 Gi', 'Gi', '1GB', null])('%j is no quantity', (text) => expect(parseQuantity(text)).toBeUndefined());
});

describe('container resources: KubeDB\'s CPU and memory defaults, pxc-tls\'s ephemeral storage', () => {
  const DB_STORAGE = { request: '1Gi', limit: '8Gi' };
  const SIDECAR_STORAGE = { request: '64Mi', limit: '256Mi' };
  const cases: Array<[string, string, unknown, unknown]> = [
    ['the database container with nothing set gets KubeDB\'s defaults, no CPU limit', 'perconaxtradb', undefined,
      { requests: { cpu: '500m', memory: '1Gi', 'ephemeral-storage': DB_STORAGE.request }, limits: { memory: '1Gi', 'ephemeral-storage': DB_STORAGE.limit } }],
    ['the database container: a user CPU request merges with the memory defaults', 'perconaxtradb', { requests: { cpu: '2' } },
      { requests: { cpu: '2', memory: '1Gi', 'ephemeral-storage': DB_STORAGE.request }, limits: { memory: '1Gi', 'ephemeral-storage': DB_STORAGE.limit } }],
    ['the database container: a memory request alone becomes the memory limit too', 'perconaxtradb', { requests: { memory: '4Gi' } },
      { requests: { cpu: '500m', memory: '4Gi', 'ephemeral-storage': DB_STORAGE.request }, limits: { memory: '4Gi', 'ephemeral-storage': DB_STORAGE.limit } }],
    ['the database container: a memory limit alone becomes the request too', 'perconaxtradb', { limits: { memory: '3Gi' } },
      { requests: { cpu: '500m', memory: '3Gi', 'ephemeral-storage': DB_STORAGE.request }, limits: { memory: '3Gi', 'ephemeral-storage': DB_STORAGE.limit } }],
    ['the database container: a limit below its request is raised to it; a user CPU limit stays and is the CPU request', 'perconaxtradb', { requests: { memory: '4Gi' }, limits: { memory: '2Gi', cpu: '3' } },
      { requests: { cpu: '3', memory: '4Gi', 'ephemeral-storage': DB_STORAGE.request }, limits: { memory: '4Gi', cpu: '3', 'ephemeral-storage': DB_STORAGE.limit } }],
    ['the database container: the user\'s ephemeral storage wins', 'perconaxtradb', { requests: { 'ephemeral-storage': '2Gi' }, limits: { 'ephemeral-storage': '20Gi' } },
      { requests: { cpu: '500m', memory: '1Gi', 'ephemeral-storage': '2Gi' }, limits: { memory: '1Gi', 'ephemeral-storage': '20Gi' } }],
    ['px-init with nothing set', 'px-init', undefined,
      { requests: { cpu: '200m', memory: '256Mi', 'ephemeral-storage': SIDECAR_STORAGE.request }, limits: { memory: '512Mi', 'ephemeral-storage': SIDECAR_STORAGE.limit } }],
    ['px-coordinator with nothing set', 'px-coordinator', undefined,
      { requests: { cpu: '200m', memory: '256Mi', 'ephemeral-storage': SIDECAR_STORAGE.request }, limits: { memory: '256Mi', 'ephemeral-storage': SIDECAR_STORAGE.limit } }],
    ['px-coordinator with a request set: KubeDB\'s defaults do not apply, ephemeral storage does', 'px-coordinator', { requests: { cpu: '50m' } },
      { requests: { cpu: '50m', 'ephemeral-storage': SIDECAR_STORAGE.request }, limits: { 'ephemeral-storage': SIDECAR_STORAGE.limit } }],
    ['pxc-tls\'s agent with nothing set: its own measured size', 'pxc-tls-agent', undefined,
      { requests: { cpu: '10m', memory: '64Mi', 'ephemeral-storage': SIDECAR_STORAGE.request }, limits: { memory: '128Mi', 'ephemeral-storage': SIDECAR_STORAGE.limit } }],
    ['pxc-tls\'s agent with the user\'s px-coordinator resources: they win', 'pxc-tls-agent', { requests: { cpu: '100m', memory: '100Mi' } },
      { requests: { cpu: '100m', memory: '100Mi', 'ephemeral-storage': SIDECAR_STORAGE.request }, limits: { 'ephemeral-storage': SIDECAR_STORAGE.limit } }],
    ['the exporter with nothing set', 'exporter', undefined,
      { requests: { cpu: '50m', memory: '64Mi', 'ephemeral-storage': SIDECAR_STORAGE.request }, limits: { memory: '128Mi', 'ephemeral-storage': SIDECAR_STORAGE.limit } }],
    ['a container pxc-tls does not render is left alone', 'sidecar', { requests: { cpu: '1m' } }, { requests: { cpu: '1m' } }],
  ];
  it.each(cases)('%s', (_name, container, resources, expected) => expect(resourcesOf(container, resources)).toEqual(expected));

  it('Ephemeral storage with a size: the data emptyDir counts against the pod, so the database container\'s limit grows by it', () => {
    const model = resolveDatabase(perconaXtraDB('e', withSpec({ storageType: 'Ephemeral', storage: { resources: { requests: { storage: '10Gi' } } } })), { ...DEFAULT_RENDER_OPTIONS });
    expect(resourcesOf('perconaxtradb', undefined, model)).toMatchObject({ limits: { 'ephemeral-storage': String(18 * 2 ** 30) } });
    expect(resourcesOf('exporter', undefined, model)).toMatchObject({ limits: { 'ephemeral-storage': '256Mi' } });
  });

  it('Ephemeral storage without a size: the scratch limits, and a warning at spec.storageType', () => {
    const model = resolveDatabase(perconaXtraDB('e', withSpec({ storageType: 'Ephemeral', storage: undefined })), { ...DEFAULT_RENDER_OPTIONS });
    expect(resourcesOf('perconaxtradb', undefined, model)).toMatchObject({ limits: { 'ephemeral-storage': '8Gi' } });
    expect(resourceWarnings(model)).toEqual([{ severity: 'warning', path: 'spec.storageType', message: expect.stringMatching(/^is Ephemeral: the data lives in an emptyDir, which counts against the pod's ephemeral-storage limit \(8Gi/) }]);
    expect(resourceWarnings(durable)).toEqual([]);
  });
});
