/**
 * The checks of a PerconaXtraDB's templates (validate.ts runs them in order): the pod template's
 * containers, environment and volumes against what pxc-tls renders, and the Service templates'
 * aliases.
 */
import { isPlainObject } from '../krm/types';
import { CONTAINER, FORBIDDEN_ENV, SERVICE_ALIASES, VOLUME } from '../model/kubedb';
import { didYouMean } from '../model/near-miss';
import { checkType, error, isString, Problem, warning } from './problems';
import type { Check } from './validate';

const RESERVED_VOLUMES = new Set<string>(Object.values(VOLUME));

export const checkPodTemplate: Check = (db) => {
  const template = db.spec?.podTemplate;
  if (template === undefined || template === null) return [];
  if (!isPlainObject(template)) return checkType('spec.podTemplate', template, 'object');
  const spec = template.spec;
  if (spec === undefined || spec === null) return [];
  if (!isPlainObject(spec)) return checkType('spec.podTemplate.spec', spec, 'object');
  const problems: Problem[] = [];
  const checkEnv = (path: string, env: unknown): void => {
    if (env === undefined) return;
    if (!Array.isArray(env)) {
      problems.push(...checkType(path, env, 'list'));
      return;
    }
    env.forEach((variable, index) => {
      if (isPlainObject(variable) && FORBIDDEN_ENV.includes(variable.name as string)) {
        problems.push(error(`${path}[${index}].name`, `${String(variable.name)} cannot be set here: the root password comes from the auth Secret`));
      }
    });
  };
  checkEnv('spec.podTemplate.spec.env', spec.env);
  for (const field of ['containers', 'initContainers'] as const) {
    const containers = spec[field];
    if (containers === undefined) continue;
    if (!Array.isArray(containers)) {
      problems.push(...checkType(`spec.podTemplate.spec.${field}`, containers, 'list'));
      continue;
    }
    const ours = field === 'containers' ? [CONTAINER.db, CONTAINER.coordinator, ...(db.spec?.monitor ? [CONTAINER.exporter] : [])] : [CONTAINER.init];
    containers.forEach((container, index) => {
      const path = `spec.podTemplate.spec.${field}[${index}]`;
      if (!isPlainObject(container) || !isString(container.name) || container.name === '') problems.push(error(`${path}.name`, 'is required'));
      else {
        // A container of another name is added to the pod as it is: without an image it cannot run.
        if (!ours.includes(container.name as never) && (container.image === undefined || container.image === null || container.image === '')) {
          problems.push(
            error(`${path}.name`, `"${container.name}" is not a container pxc-tls renders (${ours.join(', ')}), and an added container needs an image${didYouMean(container.name, ours)}`),
          );
        }
        checkEnv(`${path}.env`, container.env);
      }
    });
  }
  const volumes = spec.volumes;
  if (Array.isArray(volumes)) {
    volumes.forEach((volume, index) => {
      if (isPlainObject(volume) && RESERVED_VOLUMES.has(volume.name as string)) {
        problems.push(error(`spec.podTemplate.spec.volumes[${index}].name`, `"${String(volume.name)}" is reserved for a volume pxc-tls renders`));
      }
    });
  } else problems.push(...checkType('spec.podTemplate.spec.volumes', volumes, 'list'));
  return problems;
};

export const checkServiceTemplates: Check = (db) => {
  const templates = db.spec?.serviceTemplates;
  if (templates === undefined || templates === null) return [];
  if (!Array.isArray(templates)) return checkType('spec.serviceTemplates', templates, 'list');
  const problems: Problem[] = [];
  const seen = new Set<string>();
  templates.forEach((template, index) => {
    const path = `spec.serviceTemplates[${index}].alias`;
    const alias = isPlainObject(template) ? template.alias : undefined;
    if (!isString(alias) || !(SERVICE_ALIASES as readonly string[]).includes(alias)) {
      problems.push(error(path, `must be one of ${SERVICE_ALIASES.join(', ')}, got ${JSON.stringify(alias ?? null)}`));
    } else if (seen.has(alias)) problems.push(error(path, `duplicate alias "${alias}"`));
    else {
      seen.add(alias);
      if (alias === 'standby') problems.push(warning(path, 'PerconaXtraDB has no standby Service; this template is ignored'));
    }
  });
  return problems;
};
