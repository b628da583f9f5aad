// Shared helpers of the portal pages: DOM building (text only, never HTML strings), the JSON API,
// the top bar, small SVG charts and the live event stream.

const SVG_NS = 'http://www.w3.org/2000/svg';

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') node.className = value;
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

export function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value !== undefined && value !== null) node.setAttribute(name, String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(node) {
  while (node.firstChild) node.firstChild.remove();
  return node;
}

export async function api(path) {
  const response = await fetch(path, { credentials: 'same-origin', headers: { accept: 'application/json' } });
  if (response.status === 401) {
    window.location.assign('/login');
    throw new Error('login required');
  }
  const body = await response.json();
  if (!response.ok) throw new Error(body.error || `HTTP ${response.status}`);
  return body;
}

export function badge(text, kind = text) {
  return el('span', { class: `badge ${kind}` }, text);
}

export function shortId(id) {
  return id ? `${id.slice(0, 10)}…` : '';
}

export function recordLink(id) {
  return el('a', { href: `/records/${id}`, class: 'mono', title: id }, shortId(id));
}

export function formatTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return d.toISOString().replace('T', ' ').slice(0, 19) + 'Z';
}

const COMPACT = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 });

/** 1.2K, 150K, 3M: axis labels that fit. */
export function compact(n) {
  return COMPACT.format(n);
}

export function formatNumber(n) {
  return new Intl.NumberFormat('en').format(n);
}

export function table(headers, rows, numeric = []) {
  if (rows.length === 0) return el('div', { class: 'empty' }, 'Nothing in this period.');
  return el(
    'table',
    {},
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        headers.map((h, i) => el('th', { class: numeric.includes(i) ? 'num' : undefined }, h)),
      ),
    ),
    el(
      'tbody',
      {},
      rows.map((row) =>
        el(
          'tr',
          {},
          row.map((cell, i) => el('td', { class: numeric.includes(i) ? 'num' : undefined }, cell)),
        ),
      ),
    ),
  );
}

/** The top bar: brand, navigation, record search, live indicator, user and logout. */
export function topbar(active) {
  const results = el('div', { class: 'search-results', hidden: true });
  const input = el('input', {
    type: 'search',
    placeholder: 'Find a record by id…',
    'aria-label': 'record id',
    oninput: async () => {
      const q = input.value.trim().toLowerCase();
      if (/^[0-9a-f]{64}$/.test(q)) {
        clear(results).append(el('a', { href: `/records/${q}` }, `Verify ${shortId(q)}`));
        results.hidden = false;
        return;
      }
      if (!/^[0-9a-f]{4,}$/.test(q)) {
        results.hidden = true;
        return;
      }
      const found = await api(`/api/search?q=${encodeURIComponent(q)}`);
      clear(results);
      for (const r of found.items) {
        results.append(
          el(
            'a',
            { href: `/records/${r.id}` },
            el('span', { class: 'mono' }, shortId(r.id)),
            ' ',
            badge(r.verdict),
            ' ',
            r.category,
          ),
        );
      }
      results.hidden = found.items.length === 0;
    },
  });
  const user = el('span', {}, '');
  const live = el(
    'div',
    { class: 'live', id: 'live' },
    el('span', { class: 'dot' }),
    el('span', { id: 'live-text' }, 'connecting…'),
  );
  const bar = el(
    'header',
    { class: 'topbar' },
    el(
      'div',
      { class: 'brand' },
      el('img', { src: '/static/favicon.svg', alt: '' }),
      'CityLedger',
      el('small', {}, 'Audit'),
    ),
    el(
      'nav',
      { class: 'nav' },
      el('a', { href: '/', class: active === 'dashboard' ? 'active' : undefined }, 'Dashboard'),
      el('a', { href: '/risk', class: active === 'risk' ? 'active' : undefined }, 'Risk'),
    ),
    el('div', { class: 'search' }, input, results),
    live,
    el(
      'div',
      { class: 'user' },
      user,
      el(
        'button',
        {
          type: 'button',
          onclick: async () => {
            await fetch('/api/logout', { method: 'POST', credentials: 'same-origin' });
            window.location.assign('/login');
          },
        },
        'Log out',
      ),
    ),
  );
  document.body.prepend(bar);
  api('/api/me').then((me) => {
    user.textContent = me.user;
  });
  return bar;
}

/** Follows the portal's event stream; calls onAlert for each ledger event and onBlock per block. */
export function followLedger({ onAlert = () => {}, onBlock = () => {} } = {}) {
  const live = document.getElementById('live');
  const text = document.getElementById('live-text');
  const source = new EventSource('/api/stream');
  source.addEventListener('open', () => {
    live.classList.add('on');
    text.textContent = 'live';
  });
  source.addEventListener('error', () => {
    live.classList.remove('on');
    text.textContent = 'reconnecting…';
  });
  source.addEventListener('block', (e) => {
    const data = JSON.parse(e.data);
    text.textContent = `live · block ${data.block}`;
    onBlock(data);
  });
  source.addEventListener('alert', (e) => onAlert(JSON.parse(e.data)));
  return source;
}

/** Axis tick labels for bucket start times. */
export function tickLabel(iso, bucketMs) {
  const d = new Date(iso);
  if (bucketMs >= 24 * 3600_000) return d.toISOString().slice(5, 10);
  if (bucketMs >= 3600_000 * 6) return `${d.toISOString().slice(5, 10)} ${d.toISOString().slice(11, 13)}h`;
  return d.toISOString().slice(11, 16);
}

function niceMax(value) {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 4, 8, 10]) {
    if (value <= step * power) return step * power;
  }
  return 10 * power;
}

/**
 * Stacked bars: `series` is [{ name, values, color }], bottom first. `line` (optional) is drawn over
 * the bars with the same scale.
 */
export function stackedBars({ buckets, bucketMs, series, line, height = 220, width = 760 }) {
  const pad = { left: 44, right: 10, top: 10, bottom: 26 };
  const n = buckets.length;
  const totals = buckets.map((_, i) => series.reduce((s, x) => s + (x.values[i] || 0), 0));
  const max = niceMax(Math.max(4, ...totals, ...(line ? line.values : [])));
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const bw = plotW / n;
  const y = (v) => pad.top + plotH - (v / max) * plotH;
  const chart = svg('svg', { class: 'chart', viewBox: `0 0 ${width} ${height}`, role: 'img' });
  for (let k = 0; k <= 4; k += 1) {
    const v = (max * k) / 4;
    chart.append(svg('line', { x1: pad.left, x2: width - pad.right, y1: y(v), y2: y(v), stroke: '#e6ebf1' }));
    chart.append(svg('text', { x: pad.left - 6, y: y(v) + 4, 'text-anchor': 'end' }, compact(Math.round(v))));
  }
  buckets.forEach((start, i) => {
    let base = 0;
    for (const s of series) {
      const v = s.values[i] || 0;
      if (v > 0) {
        chart.append(
          svg(
            'rect',
            {
              x: pad.left + i * bw + bw * 0.12,
              width: Math.max(1, bw * 0.76),
              y: y(base + v),
              height: y(base) - y(base + v),
              fill: s.color,
              rx: 1.5,
            },
            svg('title', {}, `${formatTime(start)} — ${s.name}: ${v}`),
          ),
        );
      }
      base += v;
    }
    const every = Math.ceil(n / 8);
    if (i % every === 0) {
      chart.append(
        svg(
          'text',
          { x: pad.left + i * bw + bw / 2, y: height - 8, 'text-anchor': 'middle' },
          tickLabel(start, bucketMs),
        ),
      );
    }
  });
  if (line) {
    const points = line.values.map((v, i) => `${pad.left + i * bw + bw / 2},${y(v)}`).join(' ');
    chart.append(
      svg('polyline', {
        points,
        fill: 'none',
        stroke: line.color,
        'stroke-width': 2,
        'stroke-dasharray': '4 3',
      }),
    );
  }
  return chart;
}

/** A line chart of rates (0..1) with a dashed forecast continuation and a threshold line. */
export function rateChart({ buckets, bucketMs, rates, forecast, threshold, height = 170 }) {
  const width = 520;
  const pad = { left: 40, right: 10, top: 10, bottom: 24 };
  const n = rates.length + forecast.length;
  const top = Math.max(threshold * 1.2, ...rates, ...forecast);
  const max = [0.04, 0.08, 0.2, 0.4, 0.6, 0.8, 1].find((m) => m >= top) ?? 1;
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const x = (i) => pad.left + (n <= 1 ? 0 : (i / (n - 1)) * plotW);
  const y = (v) => pad.top + plotH - (Math.min(v, max) / max) * plotH;
  const chart = svg('svg', { class: 'chart', viewBox: `0 0 ${width} ${height}`, role: 'img' });
  for (let k = 0; k <= 4; k += 1) {
    const v = (max * k) / 4;
    chart.append(svg('line', { x1: pad.left, x2: width - pad.right, y1: y(v), y2: y(v), stroke: '#e6ebf1' }));
    chart.append(
      svg('text', { x: pad.left - 6, y: y(v) + 4, 'text-anchor': 'end' }, `${Math.round(v * 100)}%`),
    );
  }
  chart.append(
    svg('rect', {
      x: x(rates.length - 1),
      y: pad.top,
      width: Math.max(0, x(n - 1) - x(rates.length - 1)),
      height: plotH,
      fill: '#eef4fb',
    }),
  );
  chart.append(
    svg('line', {
      x1: pad.left,
      x2: width - pad.right,
      y1: y(threshold),
      y2: y(threshold),
      stroke: '#c62f3e',
      'stroke-dasharray': '6 4',
    }),
  );
  chart.append(
    svg('polyline', {
      points: rates.map((v, i) => `${x(i)},${y(v)}`).join(' '),
      fill: 'none',
      stroke: '#d1495b',
      'stroke-width': 2,
    }),
  );
  if (forecast.length > 0) {
    const pts = [
      [rates.length - 1, rates[rates.length - 1]],
      ...forecast.map((v, i) => [rates.length + i, v]),
    ];
    chart.append(
      svg('polyline', {
        points: pts.map(([i, v]) => `${x(i)},${y(v)}`).join(' '),
        fill: 'none',
        stroke: '#1d5fa8',
        'stroke-width': 2,
        'stroke-dasharray': '5 4',
      }),
    );
    pts
      .slice(1)
      .forEach(([i, v]) =>
        chart.append(
          svg(
            'circle',
            { cx: x(i), cy: y(v), r: 3, fill: '#1d5fa8' },
            svg('title', {}, `forecast ${Math.round(v * 1000) / 10}%`),
          ),
        ),
      );
  }
  const every = Math.ceil(buckets.length / 6);
  buckets.forEach((start, i) => {
    if (i % every === 0)
      chart.append(
        svg('text', { x: x(i), y: height - 7, 'text-anchor': 'middle' }, tickLabel(start, bucketMs)),
      );
  });
  return chart;
}
