import { IMAGE_COMPONENTS, ImageComponent, ImageOverrides } from './options';

export type { ImageComponent };

/**
 * Images per PerconaXtraDB version: the PerconaXtraDBVersion catalog entries KubeDB ships
 * (kubedb/installer catalog/kubedb/raw/perconaxtradb/perconaxtradb-<version>.yaml @ 0c6e2459).
 * A test compares this table with the copies in ../shared/reference/kubedb/catalog/.
 */
export interface VersionImages {
  readonly db: string;
  readonly coordinator: string;
  readonly init: string;
  readonly exporter: string;
  readonly runAsUser: number;
  readonly endOfLife?: boolean;
}

const COORDINATOR = 'ghcr.io/kubedb/percona-xtradb-coordinator:v0.40.0-rc.0';
const INIT = 'ghcr.io/kubedb/percona-xtradb-init:0.2.3';
const EXPORTER = 'docker.io/prom/mysqld-exporter:v0.18.0';

export const CATALOG: Readonly<Record<string, VersionImages>> = {
  '5.7.44': { db: 'ghcr.io/appscode-images/percona-xtradb-cluster:5.7.44', coordinator: COORDINATOR, init: INIT, exporter: EXPORTER, runAsUser: 1001, endOfLife: true },
  '8.0.40': { db: 'ghcr.io/appscode-images/percona-xtradb-cluster:8.0.40', coordinator: COORDINATOR, init: INIT, exporter: EXPORTER, runAsUser: 1001 },
  '8.4.3': { db: 'ghcr.io/appscode-images/percona-xtradb-cluster:8.4.3', coordinator: COORDINATOR, init: INIT, exporter: EXPORTER, runAsUser: 1001 },
};

export const KNOWN_VERSIONS = Object.keys(CATALOG);

/** One image an override replaced, for the run's report. */
export interface ReplacedImage {
  component: ImageComponent;
  from: string;
  to: string;
  /** `version 8.4.3` or `mirror ghcr.io`. */
  by: string;
}

/** The longest mirror prefix the image starts with (at a `/`), if any. */
function mirrorFor(image: string, mirror: Readonly<Record<string, string>>): string | undefined {
  let best: string | undefined;
  for (const prefix of Object.keys(mirror)) {
    if (image.startsWith(prefix + '/') && (best === undefined || prefix.length > best.length)) best = prefix;
  }
  return best;
}

/**
 * The images of a catalog version with the overrides applied: a version's own override first, else a
 * mirror of the catalog image's registry, else the catalog image.
 */
export function resolveImages(version: string, overrides: ImageOverrides): { images: VersionImages; replaced: ReplacedImage[] } {
  const catalog = CATALOG[version]!;
  const images: { -readonly [K in keyof VersionImages]: VersionImages[K] } = { ...catalog };
  const replaced: ReplacedImage[] = [];
  for (const component of IMAGE_COMPONENTS) {
    const from = catalog[component];
    const own = overrides.versions[version]?.[component];
    const prefix = own === undefined ? mirrorFor(from, overrides.mirror) : undefined;
    const to = own ?? (prefix === undefined ? from : overrides.mirror[prefix]! + from.slice(prefix.length));
    if (to === from) continue;
    images[component] = to;
    replaced.push({ component, from, to, by: own !== undefined ? `version ${version}` : `mirror ${prefix}` });
  }
  return { images, replaced };
}

/** Mirror prefixes that no catalog image starts with: such a mirror replaces nothing. */
export function unusedMirrors(mirror: Readonly<Record<string, string>>): string[] {
  const images = Object.values(CATALOG).flatMap((entry) => IMAGE_COMPONENTS.map((c) => entry[c]));
  return Object.keys(mirror).filter((prefix) => !images.some((image) => image.startsWith(prefix + '/')));
}
