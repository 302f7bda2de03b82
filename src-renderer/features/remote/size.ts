/** "1280x720" -> {width, height}, or null when it is not two even numbers in range. */
export function parseSize(text: string): { width: number; height: number } | null {
  const m = /^\s*(\d{3,4})\s*[x×]\s*(\d{3,4})\s*$/.exec(text);
  if (!m) return null;
  const width = Number(m[1]);
  const height = Number(m[2]);
  if (width % 2 || height % 2 || width < 160 || height < 120 || width > 7680 || height > 4320) return null;
  return { width, height };
}
