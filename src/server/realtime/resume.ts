/** A `last_id` worth resuming after, or null. */
export function validLastId(value: string | null | undefined): string | null {
  return value && value.length <= 64 ? value : null;
}
