/** Wall-clock parts of an instant in an IANA time zone, through one cached formatter a zone. */

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The zone's formatter (24-hour, numeric parts); an unknown zone throws a RangeError. */
function formatterOf(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    if (formatters.size < 1000) formatters.set(zone, f);
  }
  return f;
}

/** The wall clock in `zone` at `at`, by part: year, month (1–12), day, hour, minute, second. */
export function wallParts(at: number, zone: string): Record<string, number> {
  const parts: Record<string, number> = {};
  for (const p of formatterOf(zone).formatToParts(at)) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return parts;
}
