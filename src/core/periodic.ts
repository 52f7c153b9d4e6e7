import type { Logger } from './logger.js';

/**
 * Runs `task` every `everyMs` on a timer that does not keep the process alive. A run that
 * is still going when the next is due makes that one skip, and a failed run is logged as
 * `failure` and tried again at the next tick. Returns what stops it.
 */
export function runPeriodically(
  task: () => Promise<void>,
  everyMs: number,
  logger: Logger,
  failure: string,
): () => void {
  let running = false;
  const timer = setInterval(async () => {
    if (running) return;
    running = true;
    try {
      await task();
    } catch (err) {
      logger.warn({ err }, failure);
    } finally {
      running = false;
    }
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
