/**
 * A funnel's results (`GET /api/v1/analytics/funnels/{id}/results`) as people read them:
 * rates as percentages, times as "1 h 30 min", nothing to show as "—". One module for the
 * console's funnel page (web/src/admin/funnels.ts) and `notifyd analytics funnel results`
 * (src/cli/funnel.ts), so both show the same figures.
 */

/** One step of a funnel's results, as the API answers it. */
export interface FunnelStepResult {
  step_name: string;
  entered: number;
  completed: number;
  /** Null when nobody entered the step (nothing to divide by). */
  conversion_rate: number | null;
  drop_off_rate: number | null;
  /** Null on the last step, and when nobody went on. */
  avg_time_to_next_seconds: number | null;
}

/** A funnel's results, as the API answers them. */
export interface FunnelResults {
  funnel_id: string;
  steps: FunnelStepResult[];
  overall_conversion_rate: number | null;
  avg_completion_time_seconds: number | null;
  time_range: { start: string; end: string };
  rows_scanned: number;
}

/** One step's figures for people. */
export interface FunnelStepFigures {
  step: string;
  entered: string;
  completed: string;
  conversion: string;
  drop_off: string;
  time_to_next: string;
  /** The share of the funnel's entrants who reached this step (0–1), for a bar. */
  reached: number;
}

const NONE = '—';

/** 0.4 → `40%`, 0.33333 → `33.3%`; null (nothing to divide by) → `—`. */
export function percent(rate: number | null): string {
  if (rate === null) return NONE;
  return `${Number((rate * 100).toFixed(1))}%`;
}

/**
 * Seconds in the two largest units that are not zero: `42 s`, `1 min 30 s`, `1 h 30 min`,
 * `2 d 4 h`; under a second `< 1 s`; null → `—`.
 */
export function duration(seconds: number | null): string {
  if (seconds === null) return NONE;
  if (seconds > 0 && seconds < 1) return '< 1 s';
  let left = Math.round(seconds);
  const parts: string[] = [];
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3_600],
    ['min', 60],
    ['s', 1],
  ] as const) {
    const n = Math.floor(left / size);
    left -= n * size;
    if (n > 0 || (parts.length > 0 && parts.length < 2)) parts.push(`${n} ${unit}`);
    if (parts.length === 2) break;
  }
  const shown = parts.filter((p) => !p.startsWith('0 '));
  return shown.length ? shown.join(' ') : '0 s';
}

/** Each step's figures for people, in order. */
export function funnelFigures(r: FunnelResults): FunnelStepFigures[] {
  const first = r.steps[0]?.entered ?? 0;
  return r.steps.map((s) => ({
    step: s.step_name,
    entered: String(s.entered),
    completed: String(s.completed),
    conversion: percent(s.conversion_rate),
    drop_off: percent(s.drop_off_rate),
    time_to_next: duration(s.avg_time_to_next_seconds),
    reached: first ? s.entered / first : 0,
  }));
}

/** The funnel as a whole: `5 entered, 20% converted, in 3 h 30 min on average`. */
export function funnelSummary(r: FunnelResults): string {
  const entered = r.steps[0]?.entered ?? 0;
  if (!entered) return 'Nobody entered the funnel in this period';
  const time =
    r.avg_completion_time_seconds === null
      ? ''
      : `, in ${duration(r.avg_completion_time_seconds)} on average`;
  return `${entered} entered, ${percent(r.overall_conversion_rate)} converted${time}`;
}
