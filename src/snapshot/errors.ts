// A snapshot file problem, reported as etcdctl's `Error:` line (exit 1).
export class SnapshotError extends Error {}
