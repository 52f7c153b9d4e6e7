/**
 * The shape of an error catalogue. Each module lists its own codes beside its code, as plain
 * data; `core/errors.ts` joins them into the one ERRORS catalogue.
 */

/** What a code answers with: its HTTP status and the message used when none is given. */
export interface ErrorSpec {
  status: number;
  message: string;
}

/** A module's error codes. A code keeps its meaning forever and belongs to one module. */
export type ErrorCatalogue = Readonly<Record<string, ErrorSpec>>;
