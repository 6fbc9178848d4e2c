import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { restartOrdered, RestartMarker, type RestartSelf } from './restart';
import type { RestartOrder } from '../model/galera';

const order: RestartOrder = { member: 'db-2', round: 'r7', fingerprint: 'BB:NEW' };
const self = (over: Partial<RestartSelf> = {}): RestartSelf => ({
  member: 'db-2', round: 'r7', tlsReload: { served: 'AA:OLD', pending: 'BB:NEW', needsRestart: true, reason: 'galera: no socket.ssl_reload' }, ...over,
});

describe('restartOrdered', () => {
  test.each<[string, RestartOrder | undefined, RestartSelf, boolean]>([
    ['the order names this member, its round and the fingerprint it has pending: execute', order, self(), true],
    ['no order: nothing', undefined, self(), false],
    ['an order for another member', { ...order, member: 'db-1' }, self(), false],
    ['an order for an earlier round (mysqld restarted since: the order is spent)', { ...order, round: 'r6' }, self(), false],
    ['an order for another fingerprint than the one pending (the files changed again)', { ...order, fingerprint: 'CC:OTHER' }, self(), false],
    ['the member needs no restart any more (reloaded, or restarted and serving the files)', order, self({ tlsReload: { served: 'BB:NEW' } }), false],
    ['a pending reload that only failed (retried) is no restart', order, self({ tlsReload: { served: 'AA:OLD', pending: 'BB:NEW', reason: 'FLUSH SSL failed' } }), false],
    ['no round yet (between rounds)', order, self({ round: undefined }), false],
  ])('%s', (_name, o, s, expected) => expect(restartOrdered(o, s)).toBe(expected));
});

describe('RestartMarker', () => {
  const dir = () => mkdtempSync(join(tmpdir(), 'restart-marker-'));
  test('written whole with the order, kept while it stands, removed when it goes', () => {
    const d = dir();
    const marker = new RestartMarker(d);
    expect(marker.current()).toBeUndefined();
    expect(marker.set(order)).toBe(true);
    expect(readdirSync(d)).toEqual(['pxc-tls-restart']);
    expect(marker.current()).toEqual(order);
    expect(marker.set(order)).toBe(false);
    expect(marker.set(undefined)).toBe(true);
    expect(readdirSync(d)).toEqual([]);
    expect(marker.set(undefined)).toBe(false);
  });
  test('a marker it cannot read (torn, foreign) still counts as present and is removed when no order stands', () => {
    const d = dir();
    writeFileSync(join(d, 'pxc-tls-restart'), '{');
    const marker = new RestartMarker(d);
    expect(marker.current()).toEqual({ member: '', round: '', fingerprint: '' });
    expect(marker.set(undefined)).toBe(true);
    expect(readdirSync(d)).toEqual([]);
  });
});
