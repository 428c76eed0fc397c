const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

export function formatInt(value: number): string {
  return integer.format(value);
}

export function formatRate(value: number): string {
  return oneDecimal.format(value);
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${integer.format(ms)} ms`;
  return `${oneDecimal.format(ms / 1000)} s`;
}

const GB = 1024 * 1024 * 1024;

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${oneDecimal.format(bytes / 1024)} KB`;
  if (bytes < GB) return `${oneDecimal.format(bytes / 1024 / 1024)} MB`;
  return `${oneDecimal.format(bytes / GB)} GB`;
}

/** An estimate: whole megabytes, or gigabytes to one decimal ("151 MB", "1.4 GB"). */
export function formatApproxBytes(bytes: number): string {
  if (bytes < GB) return `${integer.format(Math.max(1, Math.round(bytes / 1024 / 1024)))} MB`;
  return `${oneDecimal.format(bytes / GB)} GB`;
}

/** A download's speed ("3.2 MB/s"). */
export function formatSpeed(bytesPerSecond: number): string {
  return `${formatBytes(Math.round(bytesPerSecond))}/s`;
}

/** Time left, coarse: "45 s", "3 min 5 s", "1 h 12 min". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) {
    const rest = s % 60;
    return rest && s < 600 ? `${Math.floor(s / 60)} min ${rest} s` : `${Math.round(s / 60)} min`;
  }
  const minutes = Math.round((s % 3600) / 60);
  return minutes ? `${Math.floor(s / 3600)} h ${minutes} min` : `${Math.floor(s / 3600)} h`;
}

export function formatSize(size: { width: number; height: number }): string {
  return `${size.width}×${size.height}`;
}

const time = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });
const weekday = new Intl.DateTimeFormat(undefined, { weekday: 'short' });
const day = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });
const fullDay = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric' });

/** Short, sidebar-sized time: "14:05" today, "Tue" this week, "3 Mar" this year, else with the year. */
export function formatWhen(timestamp: number, now = Date.now()): string {
  const date = new Date(timestamp);
  const today = new Date(now);
  if (date.toDateString() === today.toDateString()) return time.format(date);
  const days = (now - timestamp) / 86_400_000;
  if (days < 6 && days > 0) return weekday.format(date);
  if (date.getFullYear() === today.getFullYear()) return day.format(date);
  return fullDay.format(date);
}

/** A thread title from the first question: its first line, cut at a word near 60 characters. */
export function titleFrom(text: string, imageNames: readonly string[]): string {
  const line = text.trim().split('\n')[0]?.trim() ?? '';
  if (!line) return imageNames[0] ? `Image: ${imageNames[0]}`.slice(0, 200) : 'New thread';
  if (line.length <= 60) return line;
  const cut = line.slice(0, 60);
  const space = cut.lastIndexOf(' ');
  return `${(space > 30 ? cut.slice(0, space) : cut).trimEnd()}…`;
}
