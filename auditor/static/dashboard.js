import {
  api,
  badge,
  clear,
  el,
  followLedger,
  formatNumber,
  formatTime,
  recordLink,
  shortId,
  stackedBars,
  svg,
  table,
  tickLabel,
  topbar,
} from './common.js';

const COLORS = {
  benign: '#7fa7c9',
  suspicious: '#f0a202',
  malicious: '#d1495b',
  denied: '#6c3fa0',
  batched: '#1f9e89',
};
const RANGES = ['1h', '6h', '24h', '7d', '30d'];
let range = new URLSearchParams(window.location.search).get('range') || '24h';

topbar('dashboard');

function kpi(kind, label, value, note) {
  return el(
    'div',
    { class: `kpi ${kind}` },
    el('div', { class: 'label' }, label),
    el('div', { class: 'value' }, formatNumber(value)),
    el('div', { class: 'note' }, note),
  );
}

function renderKpis(t) {
  clear(document.getElementById('kpis')).append(
    kpi('', 'Exchanges', t.records, `${formatNumber(t.allowed)} allowed`),
    kpi(
      'denied',
      'Denied',
      t.denied,
      t.records ? `${Math.round((100 * t.denied) / t.records)}% of exchanges` : '—',
    ),
    kpi(
      'suspicious',
      'Suspicious',
      t.suspicious + t.alertsSuspicious,
      `${formatNumber(t.suspicious)} exchanges · ${formatNumber(t.alertsSuspicious)} flows`,
    ),
    kpi(
      'malicious',
      'Malicious',
      t.malicious + t.alertsMalicious,
      `${formatNumber(t.malicious)} exchanges · ${formatNumber(t.alertsMalicious)} flows`,
    ),
    kpi('incidents', 'Policy mismatches', t.incidents, 'security incidents'),
    kpi(
      'batched',
      'Network flows',
      t.batchedFlows + t.flowAlerts,
      `${formatNumber(t.flowAlerts)} flagged · ${formatNumber(t.batches)} batches`,
    ),
  );
}

function renderVolume(d) {
  const v = d.volume;
  clear(document.getElementById('volume')).append(
    stackedBars({
      buckets: v.buckets,
      bucketMs: d.window.bucketMs,
      series: [
        { name: 'benign', values: v.records.benign, color: COLORS.benign },
        { name: 'suspicious', values: v.records.suspicious, color: COLORS.suspicious },
        { name: 'malicious', values: v.records.malicious, color: COLORS.malicious },
      ],
      line: { values: v.denied, color: COLORS.denied },
    }),
  );
  const batched = v.buckets.map(
    (_, i) => v.batched.benign[i] + v.batched.suspicious[i] + v.batched.malicious[i],
  );
  const flagged = (verdict) => v.buckets.map((_, i) => v.alerts[verdict][i]);
  clear(document.getElementById('batched')).append(
    stackedBars({
      buckets: v.buckets,
      bucketMs: d.window.bucketMs,
      series: [
        { name: 'flows in batches', values: batched, color: COLORS.batched },
        { name: 'suspicious flow alerts', values: flagged('suspicious'), color: COLORS.suspicious },
        { name: 'malicious flow alerts', values: flagged('malicious'), color: COLORS.malicious },
      ],
      height: 230,
      width: 420,
    }),
  );
}

function heatRow(zone, buckets, bucketMs) {
  const width = 600;
  const h = 22;
  const n = buckets.length;
  const cw = width / n;
  const max = Math.max(1, ...zone.suspicious.map((s, i) => s + zone.malicious[i]));
  const strip = svg('svg', { class: 'chart', viewBox: `0 0 ${width} ${h}`, preserveAspectRatio: 'none' });
  buckets.forEach((start, i) => {
    const s = zone.suspicious[i];
    const m = zone.malicious[i];
    const total = s + m;
    const color = m > 0 ? COLORS.malicious : total > 0 ? COLORS.suspicious : '#eef2f6';
    const opacity = total > 0 ? 0.35 + 0.65 * (total / max) : 1;
    strip.append(
      svg(
        'rect',
        {
          x: i * cw + 0.5,
          y: 1,
          width: Math.max(1, cw - 1),
          height: h - 2,
          fill: color,
          'fill-opacity': opacity,
          rx: 2,
        },
        svg('title', {}, `${zone.zone} ${tickLabel(start, bucketMs)}: ${m} malicious, ${s} suspicious`),
      ),
    );
  });
  const shown = zone.gateways.slice(0, 3).join(', ');
  const more = zone.gateways.length > 3 ? ` +${zone.gateways.length - 3} more` : '';
  return el(
    'div',
    { class: 'row' },
    el('div', { class: 'zone', title: zone.gateways.join(', ') }, zone.zone, el('small', {}, shown + more)),
    strip,
  );
}

function renderTimeline(d) {
  const box = clear(document.getElementById('timeline'));
  if (d.timeline.length === 0) {
    box.append(el('div', { class: 'empty' }, 'No suspicious or malicious records in this period.'));
    return;
  }
  for (const zone of d.timeline) box.append(heatRow(zone, d.volume.buckets, d.window.bucketMs));
}

/** Title, class and meta line of a ledger event in the feed. */
function describe(event, zone) {
  const where = [event.gatewayId, zone].filter(Boolean).join(' · ');
  switch (event.type) {
    case 'cityledger.exchange.flagged':
      return {
        kind: event.verdict,
        title: `${event.verdict === 'malicious' ? 'Malicious' : 'Suspicious'} exchange (score ${event.threatScore})`,
        meta: `${where} · ${event.sourceDepartment}→${event.consumerDepartment} · ${event.category} · ${event.decision}`,
      };
    case 'cityledger.flow.alert':
      return {
        kind: event.verdict,
        title: `${event.verdict === 'malicious' ? 'Malicious' : 'Suspicious'} network flow (score ${event.threatScore})`,
        meta: `${[event.gatewayId, event.zone].join(' · ')} · protocol ${event.protocol}, ${event.dstPortBucket} port`,
        link: `/alerts/${event.alertId}`,
      };
    case 'cityledger.flow.alerts': {
      // One transaction's flow alerts (a gateway sends them several at a time).
      const alerts = event.alerts || [];
      const first = alerts[0] || {};
      const malicious = alerts.filter((a) => a.verdict === 'malicious').length;
      const top = Math.max(...alerts.map((a) => a.threatScore));
      return {
        kind: malicious > 0 ? 'malicious' : 'suspicious',
        title:
          alerts.length === 1
            ? `${malicious > 0 ? 'Malicious' : 'Suspicious'} network flow (score ${first.threatScore})`
            : `${alerts.length} network flows flagged: ${malicious} malicious, ${alerts.length - malicious} suspicious (top score ${top})`,
        meta: `${[first.gatewayId, first.zone].join(' · ')} · one transaction`,
        link: `/alerts/${first.alertId}`,
      };
    }
    case 'cityledger.exchange.denied':
      return {
        kind: 'denied',
        title: `Exchange denied: ${event.denyReason || 'policy'}`,
        meta: `${where} · ${event.sourceDepartment}→${event.consumerDepartment} · ${event.category}`,
      };
    case 'cityledger.policy.mismatch':
      return {
        kind: 'mismatch',
        title: `Policy mismatch: gateway ${event.gatewayDecision}, chain ${event.chainDecision}`,
        meta: `${where} · ${event.category} v${event.policyVersion}`,
      };
    case 'cityledger.policy.changed':
      return {
        kind: 'registry',
        title: `Policy ${event.category} → v${event.version}`,
        meta: `by ${event.owner}`,
      };
    case 'cityledger.gateway.registered':
    case 'cityledger.gateway.status-changed':
      return {
        kind: event.status === 'active' ? 'registry' : 'suspicious',
        title: `Gateway ${event.gatewayId} ${event.status}`,
        meta: [event.department, event.reason].filter(Boolean).join(' · '),
      };
    case 'cityledger.model.registered':
    case 'cityledger.model.retired':
      return {
        kind: 'registry',
        title: `Model ${event.modelId}@${event.modelVersion} ${event.status}`,
        meta: event.reason || '',
      };
    case 'cityledger.batch.anchored':
      return {
        kind: 'registry',
        title: `Batch #${event.seq} of ${event.gatewayId}: ${formatNumber(event.count)} flows`,
        meta: `root ${event.root.slice(0, 16)}…`,
      };
    case 'cityledger.privacy.erased':
      return { kind: 'registry', title: 'Personal data erased', meta: `${event.department}` };
    default:
      return { kind: 'registry', title: event.type, meta: '' };
  }
}

function feedItem(event, zone, fresh) {
  const d = describe(event, zone);
  return el(
    'li',
    { class: `${d.kind}${fresh ? ' new' : ''}`, 'data-type': event.type },
    el('div', { class: 'bar' }),
    el(
      'div',
      {},
      el('div', { class: 'title' }, d.title),
      el(
        'div',
        { class: 'meta' },
        formatTime(event.at),
        ' · ',
        d.meta,
        event.recordId ? ' · ' : '',
        event.recordId ? recordLink(event.recordId) : '',
        d.link ? ' · ' : '',
        d.link ? el('a', { href: d.link, class: 'mono', title: event.alertId }, shortId(event.alertId)) : '',
      ),
    ),
  );
}

function renderAlerts(alerts) {
  const list = clear(document.getElementById('alerts'));
  if (alerts.length === 0) list.append(el('li', { class: 'empty' }, 'No ledger events yet.'));
  for (const a of alerts) list.append(feedItem(a.event, a.zone, false));
}

function renderTables(d) {
  clear(document.getElementById('denials')).append(
    table(
      ['observed', 'record', 'gateway', 'pair', 'category', 'reason'],
      d.denials.map((r) => [
        formatTime(r.observed_at),
        recordLink(r.id),
        r.gateway,
        `${r.source}→${r.consumer}`,
        r.category,
        badge(r.deny_reason || 'deny', 'deny'),
      ]),
    ),
  );
  clear(document.getElementById('policies')).append(
    table(
      ['written', 'category', 'v', 'grants'],
      d.policies.map((p) => [
        formatTime(p.created_at),
        p.category,
        String(p.version),
        p.grants.length === 0
          ? 'none (deny all)'
          : p.grants.map((g) => `${g.grantee} ≤${g.maxVerdict}`).join(', '),
      ]),
    ),
  );
  clear(document.getElementById('gateways')).append(
    table(
      ['gateway', 'department', 'zone', 'status', 'since', 'versions'],
      d.gateways.map((g) => [
        g.id,
        g.department,
        g.zone,
        badge(g.status),
        formatTime(g.at),
        String(g.versions),
      ]),
      [5],
    ),
  );
  clear(document.getElementById('models')).append(
    table(
      ['model', 'kind', 'status', 'since', 'reason'],
      d.models.map((m) => [m.ref, m.kind, badge(m.status), formatTime(m.at), m.reason || '']),
    ),
  );
  clear(document.getElementById('flow-alerts')).append(
    table(
      ['flow ended', 'alert', 'zone', 'gateway', 'verdict', 'score', 'anomaly', 'protocol / port', 'model'],
      d.flowAlerts.map((a) => [
        formatTime(a.observed_at),
        el('a', { href: `/alerts/${a.id}`, class: 'mono', title: a.id }, shortId(a.id)),
        a.zone,
        a.gateway,
        badge(a.verdict),
        a.score.toFixed(3),
        a.anomaly === null ? '' : a.anomaly.toFixed(3),
        `${a.protocol} / ${a.port_bucket}`,
        a.model,
      ]),
    ),
  );
  clear(document.getElementById('incidents')).append(
    table(
      ['detected', 'record', 'gateway', 'category', 'policy', 'gateway decision', 'chain decision', 'reason'],
      d.incidents.map((i) => [
        formatTime(i.detected_at),
        recordLink(i.id),
        i.gateway,
        i.category,
        `v${i.policy_version}`,
        badge(i.gateway_decision),
        badge(i.chain_decision),
        i.deny_reason || '',
      ]),
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
            window.history.replaceState(null, '', `/?range=${r}`);
            renderRanges();
            void load();
          },
        },
        r,
      ),
    );
  }
}

let alertsShown = false;

async function load() {
  const d = await api(`/api/dashboard?range=${range}`);
  document.getElementById('window').textContent = `${formatTime(d.window.from)} → ${formatTime(d.window.to)}`;
  renderKpis(d.totals);
  renderVolume(d);
  renderTimeline(d);
  renderTables(d);
  if (!alertsShown) {
    // Later alerts arrive through the stream; re-rendering would drop their highlight.
    renderAlerts(d.alerts);
    alertsShown = true;
  }
}

let refresh;
renderRanges();
await load();
followLedger({
  onAlert: ({ event, zone }) => {
    const list = document.getElementById('alerts');
    list.querySelector('.empty')?.remove();
    list.prepend(feedItem(event, zone, true));
  },
  onBlock: () => {
    clearTimeout(refresh);
    refresh = setTimeout(() => {
      void load().then(() => undefined);
    }, 1500);
  },
});
