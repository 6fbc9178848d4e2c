import { caRekeyRisks, caSecretOf, type CaCertificateLike, type IssuerLike } from './ca-rotation';

const issuer: IssuerLike = { kind: 'Issuer', metadata: { name: 'px-issuer', namespace: 'demo' }, spec: { ca: { secretName: 'px-ca' } } };
const clusterIssuer: IssuerLike = { kind: 'ClusterIssuer', metadata: { name: 'shared-ca' }, spec: { ca: { secretName: 'shared-ca-key' } } };
const ca = (name: string, spec: Record<string, unknown>, namespace = 'demo'): CaCertificateLike => ({ metadata: { name, namespace }, spec: { secretName: 'px-ca', isCA: true, ...spec } });

describe('caRekeyRisks: is the CA behind an issuer re-keyed when it renews?', () => {
  const table: Array<[string, IssuerLike, CaCertificateLike[], string[]]> = [
    ['a CA Certificate without a rotationPolicy is a risk (Always since cert-manager 1.18)', issuer, [ca('px-ca', {})], ['demo/px-ca']],
    ['rotationPolicy Always is a risk', issuer, [ca('px-ca', { privateKey: { rotationPolicy: 'Always' } })], ['demo/px-ca']],
    ['rotationPolicy Never is safe', issuer, [ca('px-ca', { privateKey: { rotationPolicy: 'Never' } })], []],
    ['a privateKey without rotationPolicy is a risk', issuer, [ca('px-ca', { privateKey: { algorithm: 'ECDSA' } })], ['demo/px-ca']],
    ['a Certificate without isCA: true is not the CA Certificate', issuer, [ca('px-ca', { isCA: false })], []],
    ['a CA Certificate writing another Secret is not behind this issuer', issuer, [ca('other', { secretName: 'other-ca' })], []],
    ['an issuer that is not a CA issuer (ACME, Vault, SelfSigned) has no CA Secret to check', { ...issuer, spec: { selfSigned: {} } as IssuerLike['spec'] }, [ca('px-ca', {})], []],
    ['several Certificates writing the CA Secret are each named, sorted', issuer, [ca('b', {}), ca('a', {})], ['demo/a', 'demo/b']],
  ];
  test.each(table)('%s', (_name, iss, candidates, expected) => {
    expect(caRekeyRisks(iss, candidates).map((r) => `${r.certificate.namespace}/${r.certificate.name}`)).toEqual(expected);
  });

  test('the message names the Certificate, the Secret, the issuer and the field to set, and says what unset means', () => {
    const [risk] = caRekeyRisks(issuer, [ca('px-ca', {})]);
    expect(risk).toMatchObject({ certificate: { namespace: 'demo', name: 'px-ca' }, issuer: { kind: 'Issuer', name: 'px-issuer', namespace: 'demo' }, caSecretName: 'px-ca' });
    expect(risk!.rotationPolicy).toBeUndefined();
    expect(risk!.message).toBe(
      'Certificate demo/px-ca (isCA: true) writes Secret px-ca, the CA of Issuer demo/px-issuer, and its spec.privateKey.rotationPolicy is unset ' +
      '(Always from cert-manager 1.18 on, Never before): a renewal gives the CA a new key, every certificate it signed stops verifying at once ' +
      'and Galera members reject each other; set spec.privateKey.rotationPolicy: Never (a renewed CA that keeps its key still verifies every certificate it signed)',
    );
  });

  test('a ClusterIssuer is named without a namespace; its CA Certificate with its own', () => {
    const [risk] = caRekeyRisks(clusterIssuer, [ca('shared-ca', { secretName: 'shared-ca-key', privateKey: { rotationPolicy: 'Always' } }, 'cert-manager')]);
    expect(risk!.issuer).toEqual({ kind: 'ClusterIssuer', name: 'shared-ca' });
    expect(risk!.rotationPolicy).toBe('Always');
    expect(risk!.message).toContain('Certificate cert-manager/shared-ca (isCA: true) writes Secret shared-ca-key, the CA of ClusterIssuer shared-ca, and its spec.privateKey.rotationPolicy is Always:');
  });

  test('caSecretOf reads spec.ca.secretName only when it is a non-empty string', () => {
    expect(caSecretOf(issuer)).toBe('px-ca');
    expect(caSecretOf({ ...issuer, spec: { ca: { secretName: 7 } } })).toBeUndefined();
    expect(caSecretOf({ ...issuer, spec: null })).toBeUndefined();
  });
});
