// jest globalTeardown of the `cluster` project: stops what global-setup.ts started. If jest dies
// before this runs, the watchdog around each process (control-plane.ts) stops them instead.
export default async function globalTeardown(): Promise<void> {
  const cp = globalThis.__pxcTlsControlPlane;
  globalThis.__pxcTlsControlPlane = undefined;
  await cp?.stop();
}
