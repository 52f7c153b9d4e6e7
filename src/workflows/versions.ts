/**
 * A workflow's past versions: every change keeps the definition it replaces as a
 * `workflow_version` object keyed `<workflow id>:<version>`, in the workflow's tenant, so any
 * version stays readable (a run follows the steps of the version it started on: it copies them).
 */
import type { ObjectKind } from '../objects/kind.js';
import type { Stored } from '../objects/repository.js';
import type { WorkflowData } from './schemas.js';

export const WORKFLOW_VERSION_OBJECT: ObjectKind<'workflow_version'> = {
  kind: 'workflow_version',
  idKind: 'wfv',
  notFound: 'WORKFLOW_VERSION_NOT_FOUND',
  global: {
    visibleToTenants: false,
    writeScope: 'notifications:admin',
    refusal:
      'Workflows belong to a tenant: a global one needs a notifications:admin key bound to no tenant.',
  },
};

/** A past version as kept: the definition, which workflow and version it was, when it was made. */
export interface WorkflowVersionData extends WorkflowData {
  workflow_id: string;
  version: number;
  /** When this version was made (the workflow's `updated_at` then). */
  made_at: number;
}

/** The current version, as a past one is kept. */
export function asVersion(o: Stored<WorkflowData>): WorkflowVersionData {
  const { trigger_identifier, name, steps } = o.data;
  return {
    trigger_identifier,
    name,
    steps,
    workflow_id: o.id,
    version: o.version,
    made_at: o.updated_at,
  };
}

/** The workflow as it was at a past version (its envelope at that version). */
export function atVersion(
  current: Stored<WorkflowData>,
  v: WorkflowVersionData,
): Stored<WorkflowData> {
  const { trigger_identifier, name, steps } = v;
  return {
    ...current,
    version: v.version,
    updated_at: v.made_at,
    key: trigger_identifier,
    data: { trigger_identifier, name, steps },
  };
}
