// Where the API server keeps each resource in etcd, and the names kubectl
// users call them by. Keys are /registry/<prefix>/<namespace>/<name>, or
// /registry/<prefix>/<name> for cluster-scoped resources.

export const REGISTRY = '/registry/';

// Storage segments under which each resource sits one level deeper.
export const NESTED = (segment: string) => segment === 'services' || segment.includes('.');

interface Resource {
  name: string;
  short: string[];
  // The key segment(s) after /registry/, where not the resource's name.
  prefix?: string;
  group: string;
}

// Built-in resources, with kubectl's short names and the apiserver's
// storage prefixes that differ from the plural.
const BUILTIN: Resource[] = [
  { name: 'pods', short: ['po'], group: '' },
  { name: 'services', short: ['svc'], prefix: 'services/specs', group: '' },
  { name: 'endpoints', short: ['ep'], prefix: 'services/endpoints', group: '' },
  { name: 'nodes', short: ['no'], prefix: 'minions', group: '' },
  { name: 'replicationcontrollers', short: ['rc'], prefix: 'controllers', group: '' },
  { name: 'namespaces', short: ['ns'], group: '' },
  { name: 'configmaps', short: ['cm'], group: '' },
  { name: 'secrets', short: [], group: '' },
  { name: 'serviceaccounts', short: ['sa'], group: '' },
  { name: 'events', short: ['ev'], group: '' },
  { name: 'limitranges', short: ['limits'], group: '' },
  { name: 'resourcequotas', short: ['quota'], group: '' },
  { name: 'persistentvolumes', short: ['pv'], group: '' },
  { name: 'persistentvolumeclaims', short: ['pvc'], group: '' },
  { name: 'podtemplates', short: [], group: '' },
  { name: 'deployments', short: ['deploy'], group: 'apps' },
  { name: 'replicasets', short: ['rs'], group: 'apps' },
  { name: 'statefulsets', short: ['sts'], group: 'apps' },
  { name: 'daemonsets', short: ['ds'], group: 'apps' },
  { name: 'controllerrevisions', short: [], group: 'apps' },
  { name: 'jobs', short: [], group: 'batch' },
  { name: 'cronjobs', short: ['cj'], group: 'batch' },
  { name: 'horizontalpodautoscalers', short: ['hpa'], group: 'autoscaling' },
  { name: 'leases', short: [], group: 'coordination.k8s.io' },
  { name: 'endpointslices', short: [], group: 'discovery.k8s.io' },
  { name: 'ingresses', short: ['ing'], prefix: 'ingress', group: 'networking.k8s.io' },
  { name: 'ingressclasses', short: [], group: 'networking.k8s.io' },
  { name: 'networkpolicies', short: ['netpol'], group: 'networking.k8s.io' },
  { name: 'poddisruptionbudgets', short: ['pdb'], group: 'policy' },
  { name: 'roles', short: [], group: 'rbac.authorization.k8s.io' },
  { name: 'rolebindings', short: [], group: 'rbac.authorization.k8s.io' },
  { name: 'clusterroles', short: [], group: 'rbac.authorization.k8s.io' },
  { name: 'clusterrolebindings', short: [], group: 'rbac.authorization.k8s.io' },
  { name: 'priorityclasses', short: ['pc'], group: 'scheduling.k8s.io' },
  { name: 'storageclasses', short: ['sc'], group: 'storage.k8s.io' },
  { name: 'volumeattachments', short: [], group: 'storage.k8s.io' },
  { name: 'csidrivers', short: [], group: 'storage.k8s.io' },
  { name: 'csinodes', short: [], group: 'storage.k8s.io' },
  { name: 'csistoragecapacities', short: [], group: 'storage.k8s.io' },
  { name: 'certificatesigningrequests', short: ['csr'], group: 'certificates.k8s.io' },
  { name: 'mutatingwebhookconfigurations', short: [], group: 'admissionregistration.k8s.io' },
  { name: 'validatingwebhookconfigurations', short: [], group: 'admissionregistration.k8s.io' },
  { name: 'validatingadmissionpolicies', short: [], group: 'admissionregistration.k8s.io' },
  { name: 'validatingadmissionpolicybindings', short: [], group: 'admissionregistration.k8s.io' },
  { name: 'runtimeclasses', short: [], group: 'node.k8s.io' },
  { name: 'flowschemas', short: [], group: 'flowcontrol.apiserver.k8s.io' },
  { name: 'prioritylevelconfigurations', short: [], group: 'flowcontrol.apiserver.k8s.io' },
  { name: 'customresourcedefinitions', short: ['crd', 'crds'], prefix: 'apiextensions.k8s.io/customresourcedefinitions', group: 'apiextensions.k8s.io' },
  { name: 'apiservices', short: [], prefix: 'apiregistration.k8s.io/apiservices', group: 'apiregistration.k8s.io' },
];

export interface ResourceRef {
  // What to call it in output: the plural, with its group where it has one.
  name: string;
  // The key prefix, ending in '/'.
  prefix: string;
}

// `pods`, `po`, `deployments.apps`, `deploy`, or `widgets.example.com` (a
// custom resource: stored under /registry/<group>/<plural>/).
export function resolveResource(word: string): ResourceRef {
  const w = word.toLowerCase();
  const dot = w.indexOf('.');
  const [plural, group] = dot < 0 ? [w, undefined] : [w.slice(0, dot), w.slice(dot + 1)];
  const found = BUILTIN.find(
    (r) =>
      (r.name === plural || r.short.includes(plural) || r.name === `${plural}s`) &&
      (group === undefined || group === r.group || (r.group === '' && group === 'core')),
  );
  if (found) return { name: found.group ? `${found.name}.${found.group}` : found.name, prefix: `${REGISTRY}${found.prefix ?? found.name}/` };
  if (group !== undefined) return { name: w, prefix: `${REGISTRY}${group}/${plural}/` };
  return { name: w, prefix: `${REGISTRY}${w}/` };
}

// The resource a key belongs to, as its storage prefix names it:
// /registry/pods/ns/x → pods; /registry/services/specs/ns/x → services/specs;
// /registry/<group>/<plural>/… → <group>/<plural>.
export function resourceOfKey(key: string): string {
  if (!key.startsWith(REGISTRY)) return '';
  const start = REGISTRY.length;
  const first = key.indexOf('/', start);
  if (first < 0) return key.slice(start);
  const segment = key.slice(start, first);
  if (!NESTED(segment)) return segment;
  // A second segment counts only when something follows it.
  const second = key.indexOf('/', first + 1);
  return second < 0 ? segment : key.slice(start, second);
}

// The resource stored under a key prefix ("minions" → nodes,
// "example.com/widgets" → widgets.example.com), for completion.
export function resourceOfPrefix(storage: string): string {
  const s = storage.replace(/\/$/, '');
  const found = BUILTIN.find((r) => (r.prefix ?? r.name) === s);
  if (found) return found.name;
  const slash = s.indexOf('/');
  return slash > 0 && s.slice(0, slash).includes('.') ? `${s.slice(slash + 1)}.${s.slice(0, slash)}` : s;
}
