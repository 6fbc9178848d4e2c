import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { createLogger, REDACTED } from './log';

describe('JSON logs never carry Secret data', () => {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

  test('one JSON object per line with time, level, msg and fields', () => {
    const lines: string[] = [];
    createLogger({ write: (l) => lines.push(l), now: () => new Date(0), base: { component: 'w' } }).info('hello', { n: 1 });
    expect(lines).toEqual(['{"time":"1970-01-01T00:00:00.000Z","level":"info","msg":"hello","component":"w","n":1}\n']);
  });

  test('a whole Secret, PEM strings, Buffers and key objects are redacted wherever they appear', () => {
    const lines: string[] = [];
    const log = createLogger({ write: (l) => lines.push(l) });
    const b64 = Buffer.from(pem).toString('base64');
    log.error('oops', {
      secret: { metadata: { name: 's' }, data: { 'tls.key': b64 } },
      nested: [{ stringData: { k: 'v' } }],
      text: `see ${pem}`,
      buffer: Buffer.from(pem),
      key: createPrivateKey(pem),
      error: new Error(`failed with ${pem}`),
    });
    const out = lines.join('');
    expect(out).not.toContain(b64.slice(0, 40));
    expect(out).not.toMatch(/BEGIN|PRIVATE KEY/);
    const parsed = JSON.parse(out);
    expect(parsed.secret).toEqual({ metadata: { name: 's' }, data: REDACTED });
    expect(parsed.nested).toEqual([{ stringData: REDACTED }]);
    expect([parsed.text, parsed.buffer, parsed.key]).toEqual([REDACTED, REDACTED, REDACTED]);
    expect(parsed.error).toEqual({ message: REDACTED });
  });

  test('levels below the minimum are dropped', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'warn', write: (l) => lines.push(l) });
    log.info('no');
    log.debug('no');
    log.warn('yes');
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(['yes']);
  });
});
