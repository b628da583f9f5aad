import { type DataDepartment, DATA_DEPARTMENTS } from './constants';

/**
 * A data category is named `<owner department>/<name>`, e.g. `health/patient-flow`: ownership is part
 * of the name, so no department can define policies for another department's data.
 */
export const CATEGORY = new RegExp(`^(${DATA_DEPARTMENTS.join('|')})/[a-z0-9][a-z0-9-]{0,62}$`);

export function isCategory(value: unknown): value is string {
  return typeof value === 'string' && CATEGORY.test(value);
}

/** The department that owns a (valid) category. */
export function categoryOwner(category: string): DataDepartment {
  return category.slice(0, category.indexOf('/')) as DataDepartment;
}
