/** Usage text (`pxc-tls --help`, what `kpt fn doc` shows). Kept in step with the README by a test. */
export const HELP = `pxc-tls: render TLS for KubeDB PerconaXtraDB clusters (KRM function)

Usage:
  pxc-tls < resource-list.yaml      run as a KRM function (kpt, kustomize, CI)
  pxc-tls watch [flags]             run the in-cluster watcher
  pxc-tls --help | --version
`;
