// Durations as CloudConnector schedules spell them: `30m`, `1h`, `1h30m`, `90s`, `2d`.

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^(?:\d+[smhd])+$/;

/** Milliseconds in `text`, or null when it is not a duration. */
export function parseDurationMs(text: string): number | null {
  if (!DURATION.test(text)) return null;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+)([smhd])/g)) {
    total += Number(amount) * UNIT_MS[unit!]!;
  }
  return total > 0 ? total : null;
}
