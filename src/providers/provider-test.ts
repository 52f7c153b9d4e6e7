/**
 * `POST /providers/{name}/test`: a provider's own check (credentials, reachability), run
 * without sending to anyone.
 */
import type { Clock } from '../core/clock.js';
import type { RegisteredProvider } from './registry.js';

/** What `POST /providers/{name}/test` answers. */
export interface TestOutcome {
  success: boolean;
  message: string;
  provider: string;
  latency_ms: number;
}

/** Runs the provider's check; a plugin without one passes as loaded and configured. */
export async function testProvider(
  provider: RegisteredProvider,
  clock: Clock,
): Promise<TestOutcome> {
  const started = clock.now();
  const latency = () => Math.max(0, clock.now() - started);
  if (!provider.instance.test) {
    return {
      success: true,
      message: 'loaded and configured (the plugin has no test of its own)',
      provider: provider.name,
      latency_ms: 0,
    };
  }
  try {
    const outcome = await provider.instance.test();
    return {
      success: outcome.ok,
      message: outcome.ok ? (outcome.detail ?? 'ok') : outcome.message,
      provider: provider.name,
      latency_ms: latency(),
    };
  } catch (err) {
    return {
      success: false,
      message: `the test threw: ${err instanceof Error ? err.message : String(err)}`,
      provider: provider.name,
      latency_ms: latency(),
    };
  }
}
