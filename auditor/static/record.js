import { api, badge, clear, el, followLedger, formatNumber, formatTime, topbar } from './common.js';

const WHAT = {
  'record-on-chain': 'The record is on the ledger under this id',
  'record-format': 'The stored record is well formed',
  'record-id': 'The id is the hash of the canonical content',
  'gateway-registered': 'The gateway was registered and active at commit time',
  'attestation-signature': "The gateway's signature verifies with the key registered at that time",
  'model-approved': 'The scoring model was approved when the flow was observed',
  'verdict-thresholds': "The verdict follows from the score and the model's thresholds",
  'policy-version': 'The cited policy version was in force',
  'policy-decision': 'decide() at that policy version gives the recorded decision',
};

topbar('');
const id = window.location.pathname.split('/').pop().toLowerCase();
const isAlert = window.location.pathname.startsWith('/alerts/');
document.getElementById('record-id').textContent = id;
document.getElementById('kind').textContent = isAlert ? 'Flow alert' : 'Record';
if (isAlert) {
  // A flow alert has no payload: it describes a network flow, pseudonymously.
  document.getElementById('payload-card').hidden = true;
  document.getElementById('checks-card').classList.replace('span-7', 'span-12');
}
let onChain;

function field(name, value) {
  return [el('dt', {}, name), el('dd', {}, value)];
}

function renderBanner(result) {
  const box = clear(document.getElementById('banner'));
  const passed = result.checks.filter((c) => c.status === 'pass').length;
  const failed = result.checks.filter((c) => c.status === 'fail').map((c) => c.name);
  box.append(
    el(
      'div',
      { class: `verdict-banner ${result.verified ? 'ok' : 'bad'}`, id: 'verdict' },
      el('div', { class: 'big' }, result.verified ? 'VERIFIED' : 'NOT VERIFIED'),
      el(
        'div',
        { class: 'small' },
        result.verified
          ? `${passed} of ${result.checks.length} checks passed against the chain (CLI exit code 0)`
          : `failed: ${failed.join(', ')} — CLI exit code ${result.exitCode}`,
      ),
    ),
  );
}

function renderChecks(checks) {
  const list = clear(document.getElementById('checks'));
  for (const c of checks) {
    list.append(
      el(
        'li',
        { 'data-check': c.name, 'data-status': c.status },
        el('div', {}, badge(c.status.toUpperCase(), c.status)),
        el(
          'div',
          {},
          el('div', { class: 'name' }, c.name),
          el('div', { class: 'what' }, WHAT[c.name] || ''),
          el('div', { class: 'detail' }, c.detail),
        ),
      ),
    );
  }
}

function renderAlertFields(e) {
  const a = e.alert;
  clear(document.getElementById('fields')).append(
    ...field('alert id', el('span', { class: 'mono' }, e.id)),
    ...field('flow', `${formatTime(a.flowStart)} → ${formatTime(a.observedAt)}`),
    ...field('committed', `${formatTime(e.recordedAt)} in transaction ${e.txId}`),
    ...field('gateway', `${a.gatewayId} (${e.department}, zone ${e.zone})`),
    ...field(
      'threat',
      el('span', {}, badge(a.verdict), ` score ${a.threatScore} by ${a.modelId}@${a.modelVersion}`),
    ),
    ...field(
      'anomaly',
      a.anomalyScore === undefined
        ? 'no anomaly model'
        : `score ${a.anomalyScore} by ${a.anomalyModelId}@${a.anomalyModelVersion}`,
    ),
    ...field(
      'traffic',
      `protocol ${a.protocol}, ${a.dstPortBucket} port; ${formatNumber(a.fwdBytes)} B / ${formatNumber(a.fwdPackets)} pkts out, ${formatNumber(a.revBytes)} B / ${formatNumber(a.revPackets)} pkts back`,
    ),
    ...field('flow reference', el('span', { class: 'mono' }, a.flowRef)),
    ...field('attestation', el('span', { class: 'mono' }, a.signature)),
  );
}

function renderFields(result) {
  if (isAlert && result.entry) {
    renderAlertFields(result.entry);
    return;
  }
  const dl = clear(document.getElementById('fields'));
  const e = result.entry;
  if (!e) {
    dl.append(...field('status', 'not on the ledger'));
    return;
  }
  const r = e.record;
  dl.append(
    ...field('record id', el('span', { class: 'mono' }, e.id)),
    ...field('observed', formatTime(r.observedAt)),
    ...field('committed', `${formatTime(e.recordedAt)} in transaction ${e.txId}`),
    ...field('gateway', r.gatewayId),
    ...field('exchange', `${r.sourceDepartment} → ${r.consumerDepartment}`),
    ...field('category / purpose', `${r.category} / ${r.purpose}`),
    ...field(
      'threat',
      el('span', {}, badge(r.verdict), ` score ${r.threatScore} by ${r.modelId}@${r.modelVersion}`),
    ),
    ...field(
      'decision',
      el(
        'span',
        {},
        badge(r.decision),
        e.denyReason ? ` ${e.denyReason}` : '',
        ` under policy v${r.policyVersion}`,
      ),
    ),
    ...field(
      'payload',
      el(
        'span',
        {},
        el('span', { class: 'mono' }, r.payloadSha256),
        ` · ${formatNumber(r.payloadSize)} bytes`,
      ),
    ),
    ...field(
      'personal data',
      r.personalDataSha256
        ? result.erased
          ? 'erased on request'
          : 'held in the source department’s private collection'
        : 'none',
    ),
    ...field('attestation', el('span', { class: 'mono' }, r.signature)),
  );
}

function hex(buffer) {
  return [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function resultLine(ok, title, detail) {
  return el(
    'div',
    { class: 'line', 'data-ok': String(ok) },
    badge(ok ? 'PASS' : 'FAIL', ok ? 'pass' : 'fail'),
    el('div', {}, el('strong', {}, title), el('div', { class: 'detail mono' }, detail)),
  );
}

async function checkFile(file) {
  const box = clear(document.getElementById('payload-result'));
  if (!onChain) {
    box.append(el('div', { class: 'empty' }, 'No record on chain to compare with.'));
    return;
  }
  box.append(el('div', { class: 'empty' }, `Hashing ${file.name} locally…`));
  const digest = hex(await crypto.subtle.digest('SHA-256', await file.arrayBuffer()));
  const r = onChain.record;
  const chain = await api(`/api/records/${id}/payload?sha256=${digest}`);
  clear(box).append(
    el(
      'div',
      { class: 'detail' },
      `${file.name}: sha256 `,
      el('span', { class: 'mono', id: 'file-sha256' }, digest),
    ),
    resultLine(
      digest === r.payloadSha256,
      'payload-sha256',
      digest === r.payloadSha256 ? 'equals payloadSha256 on chain' : `on chain: ${r.payloadSha256}`,
    ),
    resultLine(
      file.size === r.payloadSize,
      'payload-size',
      `${formatNumber(file.size)} bytes; on chain ${formatNumber(r.payloadSize)}`,
    ),
    resultLine(
      chain.match,
      "chaincode's verifyRecord",
      chain.match ? 'the chain confirms this hash' : 'the chain says this hash is not the record’s',
    ),
  );
  box.dataset.verdict =
    digest === r.payloadSha256 && file.size === r.payloadSize && chain.match ? 'match' : 'mismatch';
}

function wireDropZone() {
  const zone = document.getElementById('dropzone');
  const input = document.getElementById('file-input');
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    const file = e.dataTransfer?.files?.[0];
    if (file) void checkFile(file);
  });
  input.addEventListener('change', () => {
    if (input.files?.[0]) void checkFile(input.files[0]);
  });
}

wireDropZone();
followLedger();
const result = await api(`/api/${isAlert ? 'alerts' : 'records'}/${id}/verify`);
onChain = result.entry;
renderBanner(result);
renderChecks(result.checks);
renderFields(result);
