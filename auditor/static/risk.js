import { api, badge, clear, el, followLedger, formatNumber, rateChart, topbar } from './common.js';

const RANGES = ['1h', '6h', '24h', '7d', '30d'];
let range = new URLSearchParams(window.location.search).get('range') || '24h';

topbar('risk');

function percent(v) {
  return `${Math.round(v * 1000) / 10}%`;
}

function zoneCard(z, d) {
  const flows = z.buckets.reduce((n, b) => n + b.total, 0);
  const flagged = z.buckets.reduce((n, b) => n + b.flagged, 0);
  const last = z.rates.length > 0 ? z.rates[z.rates.length - 1] : 0;
  const peak = z.forecast.length > 0 ? Math.max(...z.forecast) : 0;
  return el(
    'div',
    { class: 'card', 'data-zone': z.zone, 'data-flagged': String(z.flagged) },
    el(
      'h2',
      {},
      z.zone,
      z.flagged ? badge('FORECAST ABOVE THRESHOLD', 'flag') : badge('below threshold', 'active'),
    ),
    rateChart({
      buckets: z.buckets.map((b) => b.start),
      bucketMs: d.window.bucketMs,
      rates: z.rates,
      forecast: z.forecast,
      threshold: d.settings.threshold,
    }),
    el(
      'div',
      { class: 'params' },
      `${formatNumber(flagged)} of ${formatNumber(flows)} flows flagged · last bucket ${percent(last)} · forecast peak ${percent(peak)} in ${z.forecast.length} buckets · α ${z.alpha} β ${z.beta} · RMSE ${Number.isFinite(z.rmse) ? percent(z.rmse) : 'n/a'}`,
    ),
  );
}

function renderRanges() {
  const box = clear(document.getElementById('ranges'));
  for (const r of RANGES) {
    box.append(
      el(
        'button',
        {
          type: 'button',
          class: r === range ? 'on' : undefined,
          onclick: () => {
            range = r;
            window.history.replaceState(null, '', `/risk?range=${r}`);
            renderRanges();
            void load();
          },
        },
        r,
      ),
    );
  }
}

async function load() {
  const d = await api(`/api/risk?range=${range}`);
  const flagged = d.zones.filter((z) => z.flagged).length;
  document.getElementById('summary').textContent =
    `${d.zones.length} zones · ${flagged} flagged · threshold ${percent(d.settings.threshold)} · horizon ${d.settings.horizon} buckets of ${d.window.bucketMs / 60000} min`;
  const box = clear(document.getElementById('zones'));
  if (d.zones.length === 0) box.append(el('div', { class: 'empty' }, 'No flows in this period.'));
  for (const z of [...d.zones].sort((a, b) => Number(b.flagged) - Number(a.flagged)))
    box.append(zoneCard(z, d));
}

let refresh;
renderRanges();
await load();
followLedger({
  onBlock: () => {
    clearTimeout(refresh);
    refresh = setTimeout(() => void load(), 2000);
  },
});
