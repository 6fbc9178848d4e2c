/**
 * examples/argocd without the network: the kustomization's one remote resource (Argo CD's
 * install.yaml) is replaced by a STAND-IN holding just the two upstream objects the patches
 * touch, shaped as upstream ships them (a repo-server Deployment with its own volumes and mounts,
 * and argocd-cm). Used by test/e2e/argocd.test.ts and by the cluster project's server-side dry run.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from './kpt-golden';
import { ensureKustomize, K8sObject, objectsOf, run } from './tools';

export const ARGOCD_EXAMPLE = join(REPO, 'examples/argocd');
export const UPSTREAM_INSTALL = /^ {2}- (https:\/\/raw\.githubusercontent\.com\/argoproj\/argo-cd\/\S+\/manifests\/install\.yaml)$/m;

/** The upstream objects the patches apply to, as in Argo CD's install.yaml (trimmed to what matters). */
export const UPSTREAM_STAND_IN = `apiVersion: v1
kind: ConfigMap
metadata:
  name: argocd-cm
  labels:
    app.kubernetes.io/name: argocd-cm
    app.kubernetes.io/part-of: argocd
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: argocd-repo-server
  labels:
    app.kubernetes.io/component: repo-server
    app.kubernetes.io/name: argocd-repo-server
    app.kubernetes.io/part-of: argocd
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: argocd-repo-server
  template:
    metadata:
      labels:
        app.kubernetes.io/name: argocd-repo-server
    spec:
      automountServiceAccountToken: true
      containers:
        - name: argocd-repo-server
          image: quay.io/argoproj/argocd:stand-in
          args: [/usr/local/bin/argocd-repo-server]
          ports:
            - containerPort: 8081
          volumeMounts:
            - name: tmp
              mountPath: /tmp
            - name: plugins
              mountPath: /home/argocd/cmp-server/plugins
      initContainers:
        - name: copyutil
          image: quay.io/argoproj/argocd:stand-in
          command: [/bin/cp, -n, /usr/local/bin/argocd, /var/run/argocd/argocd-cmp-server]
          volumeMounts:
            - name: var-files
              mountPath: /var/run/argocd
      volumes:
        - name: tmp
          emptyDir: {}
        - name: plugins
          emptyDir: {}
        - name: var-files
          emptyDir: {}
`;

/** `kustomize build` of examples/argocd with the stand-in in place of the remote install.yaml. */
export function buildArgocdExample(): { objects: K8sObject[]; stdout: string; stderr: string; status: number | null } {
  const dir = mkdtempSync(join(tmpdir(), 'pxc-tls-argocd-'));
  try {
    cpSync(ARGOCD_EXAMPLE, dir, { recursive: true });
    const kustomization = readFileSync(join(dir, 'kustomization.yaml'), 'utf8');
    if (!UPSTREAM_INSTALL.test(kustomization)) throw new Error('examples/argocd/kustomization.yaml no longer names the upstream install.yaml');
    writeFileSync(join(dir, 'kustomization.yaml'), kustomization.replace(UPSTREAM_INSTALL, '  - upstream-stand-in.yaml'));
    writeFileSync(join(dir, 'upstream-stand-in.yaml'), UPSTREAM_STAND_IN);
    const result = run(ensureKustomize().path, ['build', dir], { cwd: dir, env: {} });
    return { objects: result.status === 0 ? objectsOf(result.stdout) : [], stdout: result.stdout, stderr: result.stderr, status: result.status };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
