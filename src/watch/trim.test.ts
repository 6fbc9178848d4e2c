import { evaluate } from '../tls/checks';
import { removeGatePatch } from './gate';
import { CONDITION_TYPE, controllerOf, currentCondition } from './record';
import { certificateNeeds, databaseOf, databaseRequirements, isGated } from './requirements';
import { CertFactory, certificate, secret, type Pem } from '../tls/testing/certs';
import { pod } from './testing/objects';
import { trimCertificate, trimPod, trimSecret } from './trim';
import type { CertificateObject, PodObject, SecretObject } from './types';

const NS = 'demo';
const managedFields = [{ manager: 'kube-controller-manager', operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:labels': {} } } }];

/** A pod as the API serves it: the fixture's fields plus what the watcher never reads. */
function servedPod(): PodObject {
  const p = pod(NS, 'db', 0, { gates: ['other.example/first', 'pxc-tls.dev/certificates-ready'] }) as any;
  p.metadata.managedFields = managedFields;
  p.metadata.annotations = { 'kubectl.kubernetes.io/last-applied-configuration': 'x'.repeat(4000) };
  p.spec.containers = [{ name: 'perconaxtradb', image: 'percona/percona-xtradb-cluster:8.4.3', env: [{ name: 'A', value: 'b' }], args: ['--ssl-ca=/etc/mysql/certs/server/ca.crt'] }];
  p.spec.volumes.push({ name: 'config', configMap: { name: 'db-config' } });
  p.spec.volumes[1].secret.defaultMode = 420;
  p.status.conditions.push({ type: CONDITION_TYPE, status: 'False', reason: 'SecretMissingData', message: 'waiting', lastTransitionTime: '2026-11-28T00:00:00Z', lastProbeTime: null });
  p.status.qosClass = 'Burstable';
  p.status.podIP = '10.244.1.7';
  p.status.podIPs = [{ ip: '10.244.1.7' }];
  return p;
}

describe('trimPod', () => {
  const served = servedPod();
  const trimmed = trimPod(served);

  it('drops what the watcher never reads', () => {
    const text = JSON.stringify(trimmed);
    for (const gone of ['managedFields', 'last-applied', 'containers', 'configMap', 'defaultMode', 'qosClass', 'lastProbeTime']) expect(text).not.toContain(gone);
    expect(text.length).toBeLessThan(JSON.stringify(served).length / 4);
  });

  it('reads the same as the served pod everywhere the watcher looks', () => {
    expect(databaseOf(trimmed)).toBe('db');
    expect(isGated(trimmed)).toBe(true);
    expect(certificateNeeds(trimmed)).toEqual(certificateNeeds(served));
    expect(certificateNeeds(trimmed)).toHaveLength(2);
    expect(trimmed.status?.podIP).toBe('10.244.1.7'); // where the served-certificate probe connects
    expect(removeGatePatch(trimmed)).toEqual(removeGatePatch(served)); // the gate at index 1, with its test op
    expect(currentCondition(trimmed)).toEqual({ type: CONDITION_TYPE, status: 'False', reason: 'SecretMissingData', message: 'waiting', lastTransitionTime: '2026-11-28T00:00:00Z' });
    expect(controllerOf(trimmed)).toEqual(controllerOf(served));
    expect(databaseRequirements([trimmed], 'db', 'cluster.local')).toEqual(databaseRequirements([served], 'db', 'cluster.local'));
    expect(trimmed.metadata).toMatchObject({ name: 'db-0', namespace: NS, uid: served.metadata.uid, resourceVersion: '1' });
  });

  it('leaves its input alone', () => {
    const before = JSON.stringify(servedPod());
    trimPod(served);
    expect(JSON.stringify(served)).toBe(before);
  });

  it('takes a pod without spec or status (a DELETED event may carry a bare one)', () => {
    expect(trimPod({ metadata: { name: 'p', namespace: NS } })).toEqual({ metadata: { name: 'p', namespace: NS } });
  });
});

describe('trimSecret and trimCertificate', () => {
  let certs: CertFactory;
  let ca: Pem;
  let leaf: Pem;
  beforeAll(() => {
    certs = new CertFactory();
    ca = certs.ca('px-ca');
    leaf = certs.leaf(ca, { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  }, 60_000);
  afterAll(() => certs.cleanup());

  function served(): { secret: SecretObject; certificate: CertificateObject } {
    const s = secret(NS, 'db-server-cert', { 'tls.crt': leaf.cert, 'tls.key': leaf.key, 'ca.crt': ca.cert }) as any;
    s.metadata.managedFields = managedFields;
    s.metadata.annotations['cert-manager.io/alt-names'] = 'localhost';
    s.metadata.labels = { 'pxc-tls.dev/certificate-alias': 'server' };
    s.data['extra.pem'] = Buffer.from('not ours').toString('base64');
    const c = certificate(NS, 'db-server-cert', 'db-server-cert', leaf.cert) as any;
    c.metadata.managedFields = managedFields;
    c.metadata.annotations = { 'kubectl.kubernetes.io/last-applied-configuration': '{}' };
    c.spec.dnsNames = ['localhost'];
    c.spec.issuerRef = { name: 'px-issuer', kind: 'Issuer', group: 'cert-manager.io' };
    c.spec.privateKey = { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' };
    c.status.revision = 1;
    return { secret: s, certificate: c };
  }

  it('keeps the three keys, the certificate-name annotation, and the Certificate status', () => {
    const { secret: s, certificate: c } = served();
    const ts = trimSecret(s);
    expect(Object.keys(ts.data ?? {}).sort()).toEqual(['ca.crt', 'tls.crt', 'tls.key']);
    expect(ts.metadata.annotations).toEqual({ 'cert-manager.io/certificate-name': 'db-server-cert' });
    expect(ts.metadata.labels).toEqual({ 'pxc-tls.dev/certificate-alias': 'server' });
    expect(JSON.stringify(ts)).not.toContain('managedFields');
    const tc = trimCertificate(c);
    expect(tc).toEqual({
      metadata: { name: 'db-server-cert', namespace: NS, generation: 1 },
      // secretName for the readiness chain; issuerRef and the key's rotation policy for the CA check.
      spec: { secretName: 'db-server-cert', issuerRef: { name: 'px-issuer', kind: 'Issuer', group: 'cert-manager.io' }, privateKey: { rotationPolicy: 'Always' } },
      status: { notAfter: c.status!.notAfter, revision: 1, conditions: c.status!.conditions },
    });
  });

  it('gives the same verdict as the served objects', () => {
    const { secret: s, certificate: c } = served();
    const inputOf = (secretObj: SecretObject, cert: CertificateObject) => ({
      namespace: NS, secretName: 'db-server-cert', secret: secretObj, certificates: [cert], requiredDNSNames: ['localhost'], requiredIPAddresses: ['127.0.0.1'], now: new Date(),
    });
    const full = evaluate(inputOf(s, c));
    expect(full).toBeNull(); // verified
    expect(evaluate(inputOf(trimSecret(s), trimCertificate(c)))).toEqual(full);
    // and a failing one fails the same way
    const wrong = { ...s, data: { ...s.data, 'ca.crt': Buffer.from(certs.ca('px-ca').cert).toString('base64') } };
    expect(evaluate(inputOf(trimSecret(wrong), trimCertificate(c)))).toEqual(evaluate(inputOf(wrong, c)));
    expect(evaluate(inputOf(trimSecret(wrong), trimCertificate(c)))?.reason).toBe('UntrustedIssuer');
  });
});
