/** A hand-written SVG bar chart: one panel per scenario, Herald's bars next to its baselines'. */

/** One bar. */
export interface Bar {
  readonly label: string;
  readonly value: number;
  readonly isHerald: boolean;
}

/** One scenario's panel. */
export interface Panel {
  readonly title: string;
  /** e.g. `ratio 3.4 (target ≥ 10)` */
  readonly subtitle: string;
  readonly unit: string;
  readonly bars: readonly Bar[];
}

const WIDTH = 900;
const LABEL_WIDTH = 230;
const BAR_HEIGHT = 22;
const GAP = 6;
const PANEL_HEAD = 44;
const PANEL_GAP = 18;

/** Escapes text for SVG. */
function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function formatValue(value: number): string {
  if (value >= 100) return Math.round(value).toLocaleString('en');
  return value.toFixed(value >= 10 ? 1 : 2);
}

/** Renders the panels as a standalone SVG document. */
export function renderChart(title: string, footer: string, panels: readonly Panel[]): string {
  const parts: string[] = [];
  let y = 56;
  for (const panel of panels) {
    parts.push(`<text x="20" y="${y + 18}" class="panel">${escapeXml(panel.title)}</text>`);
    parts.push(`<text x="20" y="${y + 36}" class="sub">${escapeXml(panel.subtitle)}</text>`);
    y += PANEL_HEAD;
    const max = Math.max(...panel.bars.map((bar) => bar.value), Number.MIN_VALUE);
    for (const bar of panel.bars) {
      const width = Math.max(1, ((WIDTH - LABEL_WIDTH - 140) * bar.value) / max);
      parts.push(
        `<text x="${LABEL_WIDTH - 8}" y="${y + 16}" class="label" text-anchor="end">${escapeXml(bar.label)}</text>`,
      );
      parts.push(
        `<rect x="${LABEL_WIDTH}" y="${y}" width="${width.toFixed(1)}" height="${BAR_HEIGHT}" rx="3" class="${bar.isHerald ? 'herald' : 'base'}"/>`,
      );
      parts.push(
        `<text x="${(LABEL_WIDTH + width + 8).toFixed(1)}" y="${y + 16}" class="value">${escapeXml(`${formatValue(bar.value)} ${panel.unit}`)}</text>`,
      );
      y += BAR_HEIGHT + GAP;
    }
    y += PANEL_GAP;
  }
  const height = y + 30;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}">`,
    '<style>text{font-family:system-ui,-apple-system,Segoe UI,sans-serif;fill:#1f2328}.title{font-size:20px;font-weight:600}' +
      '.panel{font-size:15px;font-weight:600}.sub{font-size:12px;fill:#57606a}.label{font-size:12px}.value{font-size:12px}' +
      '.foot{font-size:11px;fill:#57606a}.herald{fill:#1f6feb}.base{fill:#8c959f}</style>',
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="20" y="32" class="title">${escapeXml(title)}</text>`,
    ...parts,
    `<text x="20" y="${height - 12}" class="foot">${escapeXml(footer)}</text>`,
    '</svg>',
    '',
  ].join('\n');
}
