([points, imageW, imageH]) => {
  const ui = document.querySelector('[data-testid="annotate-canvas"]');
  const base = ui.parentElement.querySelector('canvas:not([data-testid])');
  const dpr = window.devicePixelRatio || 1;
  const scale = Number(ui.dataset.scale), ox = Number(ui.dataset.offsetX), oy = Number(ui.dataset.offsetY);
  if (![scale, ox, oy].every(Number.isFinite)) return {size: [], css: [], painted: 0, imagePixels: 0, markers: points.map(() => 0)};
  // The image's rectangle in device pixels, clipped to the canvas and shrunk by 2 px.
  const x0 = Math.max(0, Math.ceil((ox + 2) * dpr)), y0 = Math.max(0, Math.ceil((oy + 2) * dpr));
  const x1 = Math.min(base.width, Math.floor((ox + imageW * scale - 2) * dpr));
  const y1 = Math.min(base.height, Math.floor((oy + imageH * scale - 2) * dpr));
  let painted = 0, total = 0;
  if (x1 > x0 && y1 > y0) {
    const data = base.getContext('2d').getImageData(x0, y0, x1 - x0, y1 - y0).data;
    for (let i = 0; i < data.length; i += 4) {
      total += 1;
      // Anything but the stage background (#15181d) is image.
      if (Math.abs(data[i] - 0x15) + Math.abs(data[i + 1] - 0x18) + Math.abs(data[i + 2] - 0x1d) > 12) painted += 1;
    }
  }
  const markers = points.map(([x, y]) => {
    const cx = (ox + (x + 0.5) * scale) * dpr, cy = (oy + (y + 0.5) * scale) * dpr;
    const r = Math.ceil(9 * dpr);
    if (cx < 0 || cy < 0 || cx >= ui.width || cy >= ui.height) return null;  // out of view
    const sx = Math.max(0, Math.floor(cx - r)), sy = Math.max(0, Math.floor(cy - r));
    const w = Math.min(ui.width, Math.ceil(cx + r)) - sx, h = Math.min(ui.height, Math.ceil(cy + r)) - sy;
    const data = ui.getContext('2d').getImageData(sx, sy, w, h).data;
    let opaque = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) opaque += 1;
    return opaque;
  });
  return {
    size: [base.width, base.height, ui.width, ui.height],
    css: [Math.round(ui.parentElement.clientWidth * dpr), Math.round(ui.parentElement.clientHeight * dpr)],
    painted: total ? painted / total : 0,
    imagePixels: total,
    markers,
  };
}
