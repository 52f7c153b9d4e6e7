/**
 * The users the funnel tests share (API, CLI, console), going through sign-up → onboarding
 * (from the web) → purchase with a one-day window, each with a known answer over [T, T + 1 day):
 * u1 buys, u2 stops after onboarding, u3 buys without onboarding (stays at step 1), u4
 * onboards past the window, u6 signed up before the range, u8 onboards from the app (the
 * step's filter refuses it). Six users enter; tests add users of their own beside them.
 */
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

export const iso = (ms: number) => new Date(ms).toISOString();

/** A tracked event as the batch API takes it. */
export const ev = (type: string, user: string, at: number, properties = {}) => ({
  event_type: type,
  user_id: user,
  timestamp: iso(at),
  properties,
});

/** The shared users' events, the range starting at `T`. */
export function activationEvents(T: number) {
  return [
    ev('signup', 'u1', T),
    ev('onboard', 'u1', T + HOUR, { source: 'web' }),
    ev('purchase', 'u1', T + 3 * HOUR),
    ev('signup', 'u2', T),
    ev('onboard', 'u2', T + 2 * HOUR, { source: 'web' }),
    ev('signup', 'u3', T),
    ev('purchase', 'u3', T + HOUR),
    ev('signup', 'u4', T),
    ev('onboard', 'u4', T + 2 * DAY, { source: 'web' }),
    ev('signup', 'u6', T - HOUR),
    ev('onboard', 'u6', T + HOUR, { source: 'web' }),
    ev('signup', 'u8', T + HOUR),
    ev('onboard', 'u8', T + 2 * HOUR, { source: 'app' }),
  ];
}

/** The funnel over them, as the API takes it (the CLI spells the same steps with --step). */
export const ACTIVATION_FUNNEL = {
  name: 'activation',
  steps: [
    { name: 'Signed up', event_type: 'signup' },
    {
      name: 'Onboarded',
      event_type: 'onboard',
      filters: [{ field: 'source', operator: 'eq', value: 'web' }],
    },
    { name: 'Bought', event_type: 'purchase' },
  ],
  conversion_window_seconds: 86_400,
};
