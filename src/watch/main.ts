/** The watcher's entry point (issue 5). */
export async function runWatcher(_args: readonly string[]): Promise<number> {
  process.stderr.write('pxc-tls watch: not implemented yet\n');
  return 1;
}
