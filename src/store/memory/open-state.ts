import { storeUnavailable } from '../errors.js';

/** Whether the memory store is still open; every member checks it first. */
export class OpenState {
  private closed = false;

  /** Throws STORE_UNAVAILABLE once the store is closed. */
  check(): void {
    if (this.closed) throw storeUnavailable();
  }

  close(): void {
    this.closed = true;
  }
}
