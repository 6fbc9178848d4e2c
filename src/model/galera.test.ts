import { GALERA_PROTOCOL, parseDecision, parseForceBootstrap, parseMemberFacts, type GaleraDecision, type MemberFacts } from './galera';

const facts: MemberFacts = {
  protocol: GALERA_PROTOCOL, member: 'db-1', round: 'r1', stage: 'running', dataDir: 'initialised', uuid: '11111111-1111-4111-8111-111111111111',
  seqno: 42, seqnoSource: 'recovered', safeToBootstrap: false, mysqldExits: 2,
  wsrep: { clusterStatus: 'Primary', localState: 'Synced', clusterSize: 3, clusterStateUuid: '11111111-1111-4111-8111-111111111111', lastCommitted: 50 },
};
const decision: GaleraDecision = {
  protocol: GALERA_PROTOCOL, sequence: 4, leader: { identity: 'w-0', term: 2 }, phase: 'bootstrap', reason: 'r', replicas: 3, consumedOverrides: ['n'],
  bootstrap: { member: 'db-0', round: 'r0', script: 'after-crash-bootstrap.sh', seqno: 3 },
};

describe('member facts', () => {
  test('round-trip through JSON', () => expect(parseMemberFacts(JSON.stringify(facts))).toEqual({ ok: true, value: facts }));
  test.each([
    ['another protocol is refused, naming both', { ...facts, protocol: 2 }, 'the member-facts document speaks protocol 2; this version speaks 1'],
    ['an unknown stage', { ...facts, stage: 'dancing' }, 'the member-facts document has an invalid stage'],
    ['a seqno below -1', { ...facts, seqno: -2 }, 'the member-facts document has an invalid seqno'],
    ['a uuid that is not one', { ...facts, uuid: 'x' }, 'the member-facts document has an invalid uuid'],
    ['a wsrep status missing a field', { ...facts, wsrep: { clusterStatus: 'Primary' } }, 'the member-facts document has an invalid wsrep'],
  ])('%s', (_name, value, error) => expect(parseMemberFacts(JSON.stringify(value))).toEqual({ ok: false, error }));
  test('text that is not JSON', () => expect(parseMemberFacts('{')).toEqual({ ok: false, error: 'the member-facts document is not JSON' }));
  test('the certificate reload state round-trips: refused and needs-restart', () => {
    const withReload: MemberFacts = { ...facts, tlsReload: { served: 'AA:01', pending: 'BB:02', needsRestart: true, reason: 'galera: no socket.ssl_reload', refused: { fingerprint: 'CC:03', reason: 'KeyMismatch', message: 'm' } } };
    expect(parseMemberFacts(JSON.stringify(withReload))).toEqual({ ok: true, value: withReload });
  });
  test('the CA-change facts round-trip: trusted, servedCa, waitingCa', () => {
    const staging: MemberFacts = { ...facts, tlsReload: { served: 'AA:01', trusted: ['CA:OLD', 'CA:NEW'], servedCa: 'CA:OLD', waitingCa: 'CA:NEW' } };
    expect(parseMemberFacts(JSON.stringify(staging))).toEqual({ ok: true, value: staging });
  });
  test.each([
    ['trusted not a list of strings', { served: 'a', trusted: 'CA:OLD' }],
    ['waitingCa not a string', { served: 'a', waitingCa: 1 }],
    ['without served', { pending: 'x' }],
    ['needsRestart not a boolean', { served: 'a', needsRestart: 'yes' }],
    ['a refusal without its reason', { served: 'a', refused: { fingerprint: 'b', message: 'm' } }],
  ])('an invalid tlsReload is refused: %s', (_name, tlsReload) =>
    expect(parseMemberFacts(JSON.stringify({ ...facts, tlsReload }))).toEqual({ ok: false, error: 'the member-facts document has an invalid tlsReload' }));
});

describe('decision', () => {
  test('round-trip through JSON', () => expect(parseDecision(JSON.stringify(decision))).toEqual({ ok: true, value: decision }));
  test('a bootstrap order outside phase bootstrap is refused', () =>
    expect(parseDecision(JSON.stringify({ ...decision, phase: 'running' }))).toEqual({ ok: false, error: 'the decision has an invalid bootstrap (present exactly in phase bootstrap)' }));
  test('a script that is not one of the init image\'s run scripts is refused', () =>
    expect(parseDecision(JSON.stringify({ ...decision, bootstrap: { ...decision.bootstrap, script: 'rm -rf /' } })).ok).toBe(false));
  const running: GaleraDecision = { ...decision, phase: 'running', bootstrap: undefined, restart: { member: 'db-2', round: 'r2', fingerprint: 'AA:01' } };
  delete running.bootstrap;
  test('a restart order round-trips in phase running', () => expect(parseDecision(JSON.stringify(running))).toEqual({ ok: true, value: running }));
  test('a restart order outside phase running is refused', () =>
    expect(parseDecision(JSON.stringify({ ...decision, restart: running.restart }))).toEqual({ ok: false, error: 'the decision has an invalid restart (present only in phase running)' }));
  test.each([
    ['without a round', { member: 'db-2', fingerprint: 'AA' }],
    ['with an empty fingerprint', { member: 'db-2', round: 'r', fingerprint: '' }],
  ])('an invalid restart order is refused: %s', (_name, restart) =>
    expect(parseDecision(JSON.stringify({ ...running, restart }))).toEqual({ ok: false, error: 'the decision has an invalid restart' }));
  test('a CA-change order round-trips in any phase', () => {
    const withCa: GaleraDecision = { ...decision, caChange: { ca: 'CA:NEW', stage: 'present' } };
    expect(parseDecision(JSON.stringify(withCa))).toEqual({ ok: true, value: withCa });
  });
  test.each([
    ['an unknown stage', { ca: 'CA:NEW', stage: 'swap' }],
    ['without its CA', { stage: 'retire' }],
  ])('an invalid CA-change order is refused: %s', (_name, caChange) =>
    expect(parseDecision(JSON.stringify({ ...decision, caChange }))).toEqual({ ok: false, error: 'the decision has an invalid caChange' }));
  test('a reader that predates the restart order keeps only the fields it knows (why no protocol bump): unknown fields are dropped, not refused', () => {
    const parsed = parseDecision(JSON.stringify({ ...running, restart: undefined, somethingNewer: { x: 1 } }));
    expect(parsed).toEqual({ ok: true, value: { ...running, restart: undefined } });
  });
});

describe('force-bootstrap request', () => {
  test('member and nonce', () => expect(parseForceBootstrap({ member: ' db-2 ', nonce: 'x' })).toEqual({ ok: true, value: { member: 'db-2', nonce: 'x' } }));
  test('a missing nonce says what it is for', () => expect(parseForceBootstrap({ member: 'db-2' })).toMatchObject({ ok: false, error: expect.stringMatching(/nonce is missing/) }));
});
