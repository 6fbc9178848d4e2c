import { AgentFlagError, parseAgentFlags } from './flags';

const env = { POD_NAME: 'db-1', POD_NAMESPACE: 'demo', DB_NAME: 'db', MONITOR_USERNAME: 'monitor', MONITOR_PASSWORD: 'x' };
const api = ['--api-server', 'https://127.0.0.1:6443', '--token-file', '/t', '--api-ca-file', '/c'];

describe('--tls-reload', () => {
  test('reload by default: the fallback restart only for a channel that cannot reload', () =>
    expect(parseAgentFlags(api, env)).toMatchObject({ tlsReload: 'reload' }));
  test('restart: every renewal through the leader\'s one-at-a-time restart (to prove the fallback on MariaDB)', () =>
    expect(parseAgentFlags([...api, '--tls-reload=restart'], env)).toMatchObject({ tlsReload: 'restart' }));
  test('anything else is refused, naming the two values', () =>
    expect(() => parseAgentFlags([...api, '--tls-reload', 'never'], env)).toThrow(new AgentFlagError('invalid --tls-reload "never" (reload or restart)')));
});
