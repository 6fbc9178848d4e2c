// Three projects:
//  - unit:    pure modules, tests next to the code (src/**/x.test.ts);
//  - e2e:     the built function driven by the real kpt / kustomize / packaging tools (test/e2e);
//  - cluster: tests on a real control plane (kube-apiserver + etcd + cert-manager) started once
//             per run by test/cluster/global-setup.ts: the rig itself, the watcher, the database tests and
//             the pod sandbox (test/pod: a sandbox kubelet that runs pods on that control plane).
const transform = {
  '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
};
module.exports = {
  projects: [
    { displayName: 'unit', testMatch: ['<rootDir>/src/**/*.test.ts'], transform, testEnvironment: 'node' },
    { displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.test.ts'], transform, testEnvironment: 'node' },
    {
      displayName: 'cluster',
      testMatch: ['<rootDir>/test/{cluster,watch,db,pod}/**/*.test.ts'],
      transform,
      testEnvironment: 'node',
      globalSetup: '<rootDir>/test/cluster/global-setup.ts',
      globalTeardown: '<rootDir>/test/cluster/global-teardown.ts',
    },
  ],
};
