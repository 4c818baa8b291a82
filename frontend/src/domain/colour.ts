/** Colour helpers for class colours ("#rrggbb"). */

export type RGB = [number, number, number];

const FALLBACK: RGB = [136, 136, 136];

export function hexToRgb(hex: string): RGB {
  const m = /^#?([0-9a-f]{6}|[0-9a-f]{3})$/i.exec(hex.trim());
  if (!m?.[1]) return FALLBACK;
  let h = m[1];
  if (h.length === 3) h = h.replace(/./g, (c) => c + c);
  const n = parseInt(h, 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** WCAG relative luminance, 0 (black) .. 1 (white). */
export function luminance(hex: string): number {
  const lin = hexToRgb(hex).map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * (lin[0] ?? 0) + 0.7152 * (lin[1] ?? 0) + 0.0722 * (lin[2] ?? 0);
}

/** Black or white, whichever reads better on `background`. */
export function contrastText(background: string): "#000000" | "#ffffff" {
  // Contrast with white: 1.05 / (L + 0.05); with black: (L + 0.05) / 0.05.
  const l = luminance(background);
  return 1.05 / (l + 0.05) >= (l + 0.05) / 0.05 ? "#ffffff" : "#000000";
}

export const UNSURE_COLOUR = "#9aa3ae";
