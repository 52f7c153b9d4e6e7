/**
 * The shape of an error catalogue. Each module lists its own codes beside its code, as plain
 * data grouped by HTTP status; `core/errors.ts` joins them into the one ERRORS catalogue.
 */

/** What a code answers with: its HTTP status and the message used when none is given. */
export interface ErrorSpec {
  status: number;
  message: string;
}

/** A module's error codes. A code keeps its meaning forever and belongs to one module. */
export type ErrorCatalogue = Readonly<Record<string, ErrorSpec>>;

/** A module's codes as written: by status, each code with its default message. */
type ByStatus = Readonly<Record<number, Readonly<Record<string, string>>>>;

/** The codes a by-status table lists. */
type CodesOf<T extends ByStatus> = { [S in keyof T]: keyof T[S] & string }[keyof T];

/**
 * A catalogue from its codes by status, e.g. `errorsByStatus({ 404: { X_NOT_FOUND: 'No such
 * x.' } })`. Within a status the codes keep the order written (the README lists them so).
 */
export function errorsByStatus<const T extends ByStatus>(
  table: T,
): { readonly [C in CodesOf<T>]: ErrorSpec } {
  const catalogue: Record<string, ErrorSpec> = {};
  for (const [status, codes] of Object.entries(table)) {
    for (const [code, message] of Object.entries(codes)) {
      catalogue[code] = { status: Number(status), message };
    }
  }
  return catalogue as { readonly [C in CodesOf<T>]: ErrorSpec };
}
