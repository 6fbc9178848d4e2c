// jest globalSetup of the `cluster` project: one control plane per test run, shared by every test
// file through environment variables (workers inherit process.env; globals would not reach them).
import { startControlPlane, type ControlPlane } from './control-plane';

declare global {
  // Read by global-teardown.ts, which jest runs in this same process.
  var __pxcTlsControlPlane: ControlPlane | undefined;
}

export default async function globalSetup(): Promise<void> {
  const cp = await startControlPlane();
  globalThis.__pxcTlsControlPlane = cp;
  Object.assign(process.env, {
    PXC_TLS_KUBECONFIG: cp.kubeconfigPath,
    // Also the default for any kubectl/client that forgets --kubeconfig: never a real cluster.
    KUBECONFIG: cp.kubeconfigPath,
    PXC_TLS_KUBE_SERVER: cp.server,
    PXC_TLS_KUBE_CA: cp.caPath,
    PXC_TLS_KUBE_VERSION: cp.tools['kube-apiserver'].version,
    PXC_TLS_ETCD_VERSION: cp.tools.etcd.version,
    PXC_TLS_CERT_MANAGER_VERSION: cp.tools['cert-manager'].version,
    PXC_TLS_CERT_MANAGER_NAMESPACE: cp.clusterResourceNamespace,
    // kube-controller-manager (StatefulSet controller), kube-scheduler and kwok run: pods come from
    // the StatefulSet controller, not from the tests (test/watch/fixture.ts createPods).
    PXC_TLS_CONTROLLERS: cp.controllers ? '1' : '',
    PXC_TLS_KWOK_VERSION: cp.tools.kwok?.version ?? '',
  });
}
