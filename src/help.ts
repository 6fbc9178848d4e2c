/**
 * Usage text (`pxc-tls --help`, what `kpt fn doc` shows). The build cuts it from README.md's
 * mdtogo blocks (scripts/readme-help.cjs), so it always says what the README says;
 * test/e2e/help.test.ts checks the built bundle against the README.
 */
declare const PXC_TLS_HELP: string | undefined;

export const HELP =
  typeof PXC_TLS_HELP === 'string'
    ? PXC_TLS_HELP
    : `pxc-tls: render TLS for KubeDB PerconaXtraDB clusters (KRM function)

Usage:
  pxc-tls < resource-list.yaml      run as a KRM function (kpt, kustomize, CI)
  pxc-tls watch [flags]             run the in-cluster watcher
  pxc-tls --help | --version

(An unbuilt copy: the full help is cut from README.md by npm run build.)
`;
