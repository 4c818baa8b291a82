/** Display formatting shared by the screens. */

import { isOneOf, SELECTION_METHODS, type SelectionMethod } from "../api";

export function formatPercent(fraction: number | null | undefined, digits = 1): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return "—";
  return `${(fraction * 100).toFixed(digits)} %`;
}

/** mIoU / IoU are fractions 0..1; shown as percentages like the papers do. */
export function formatIoU(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  return (value * 100).toFixed(1);
}

export function formatInt(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  return Math.round(value).toLocaleString("en-US");
}

/** "42 s", "3 min 05 s", "1 h 02 min". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "—";
  const s = Math.floor(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, "0")} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, "0")} min`;
}

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** "Stage name" from a machine stage id such as "train_model". */
export function humanize(id: string): string {
  const s = id.replace(/_/g, " ").trim();
  return s.charAt(0).toUpperCase() + s.slice(1);
}

// Typed by the API's methods: a method added to the backend fails the type check until it
// has a name here and says whether it asks for regions (a pixel budget) or points (a count).
const METHODS: Record<SelectionMethod, { name: string; regions: boolean }> = {
  ppl: { name: "LabOR PPL (points)", regions: false },
  ppl_spread: { name: "LabOR PPL, one point per region first", regions: false },
  spl: { name: "LabOR SPL (regions)", regions: true },
  spl_spread: { name: "LabOR SPL spread (regions)", regions: true },
  spl_plus_random: { name: "LabOR SPL spread + random pixels (regions)", regions: true },
  spl_plus_balanced: {
    name: "LabOR SPL spread + class-balanced random pixels (regions)",
    regions: true,
  },
  random: { name: "Random points", regions: false },
  random_mask: { name: "Random pixels (region budget)", regions: true },
  random_segments: { name: "Random segments (region budget)", regions: true },
  entropy: { name: "Entropy (PixelPick)", regions: false },
  margin: { name: "Margin (PixelPick)", regions: false },
  ripu_region: { name: "RIPU region", regions: true },
  ripu_pixel: { name: "RIPU pixel", regions: false },
};

const OBJECTIVE_NAMES: Record<string, string> = {
  none: "None (labels only)",
  dacs: "DACS",
  proda: "ProDA",
  daso: "DASO",
};

/** Methods that ask for regions (a pixel budget) rather than points (a count). */
export function isRegionMethod(id: string): boolean {
  return isOneOf(SELECTION_METHODS, id) && METHODS[id].regions;
}

export function methodName(id: string): string {
  return isOneOf(SELECTION_METHODS, id) ? METHODS[id].name : id;
}

export function objectiveName(id: string): string {
  return OBJECTIVE_NAMES[id] ?? id;
}

/** "950", "12.5k", "3.4M": short numbers for chart axes. */
export function formatCompact(value: number): string {
  if (!Number.isFinite(value)) return "—";
  const a = Math.abs(value);
  if (a >= 1e6) return `${trim(value / 1e6)}M`;
  if (a >= 1e3) return `${trim(value / 1e3)}k`;
  return String(Math.round(value));
}

/** "512 B", "12 kB", "3.4 MB", "1.2 GB": file sizes (binary multiples). */
export function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(1)} GB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(0)} kB`;
  return `${n} B`;
}

function trim(v: number): string {
  return (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2)).replace(/\.?0+$/, "");
}
