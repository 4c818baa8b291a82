/** The segloop mark: segmentation cells and a labelled point. */
export function Logo({ size = 22 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 32 32" aria-hidden="true" class="logo">
      <rect width="32" height="32" rx="7" fill="#4f46e5" />
      <rect x="7" y="7" width="8" height="8" rx="1.5" fill="#c7d2fe" />
      <rect x="17" y="7" width="8" height="8" rx="1.5" fill="#818cf8" />
      <rect x="7" y="17" width="8" height="8" rx="1.5" fill="#818cf8" />
      <circle cx="21" cy="21" r="3.5" fill="#fde047" />
    </svg>
  );
}
