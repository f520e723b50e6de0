// One device: what it runs and why, its services, actions, tags, env (and which scope wins),
// metrics charts, live logs, a terminal, its sessions and audit entries.

import { get, post, patch, put, del, qs, seg } from './api.js';
import {
  h, fill, section, empty, errorBanner, timeEl, shortId, field, select, table, attempt, toast, messageOf,
  statusBadge, bytes, formDialog, confirmDialog, debounce, uid,
} from './ui.js';
import { follow } from './live.js';
import { lineChart } from './charts.js';
import { deviceStatusCell, onlineCell, releaseCell, tagChips } from './page-fleet.js';

const MAX_LOG_LINES = 2000;
const scopeNames = ['fleet', 'fleet · service', 'device', 'device · service'];

function scopeOf(variable) { return (variable.device ? 2 : 0) + (variable.service ? 1 : 0); }

/** Why the device is in its state, in plain words. */
function explain(device) {
  const words = [];
  const rollout = device.rollout;
  if (device.status === 'rolled-back' || rollout?.outcome === 'rolled-back') {
    words.push(`It tried release ${shortId(rollout?.release || device.targetRelease)} and rolled it back${rollout?.reason ? ` because ${rollout.reason}` : ''}.`);
    words.push(device.release ? `It runs the last good release, ${shortId(device.release)}, again.` : 'No good release was left to run.');
    words.push('Retry tries the refused release again.');
  } else if (device.status === 'failed') {
    words.push(`It runs nothing good${device.statusDetail ? `: ${device.statusDetail}` : '.'}`);
  } else if (device.status === 'pending') {
    words.push(`An update waits for a service's update lock${device.statusDetail ? ` (${device.statusDetail})` : ''}. "Update now" applies it anyway.`);
  } else if (device.status === 'update pending') {
    words.push(`It should run release ${shortId(device.targetRelease)} and has not started the update yet${device.online ? '' : ' (it is offline)'}.`);
  } else if (device.statusDetail) {
    words.push(device.statusDetail);
  }
  if (rollout && rollout.outcome === 'started' && device.status !== 'rolled-back') words.push(`Release ${shortId(rollout.release)} started; it is inside its health window.`);
  const cluster = device.clusterNode;
  if (cluster) {
    const node = cluster.node;
    let line = `It is a ${node.role} of cluster ${cluster.cluster}, ${node.state}`;
    if (node.downSince) line += ` since ${new Date(node.downSince * 1000).toLocaleString()}`;
    words.push(line + (node.error ? ` (${node.error}).` : '.'));
    for (const event of cluster.events.slice(0, 3)) words.push(`${new Date(event.at * 1000).toLocaleString()}: ${event.detail}.`);
  }
  return words.join(' ');
}

export async function render({ root, params, can, onDispose, isCurrent, title }) {
  let device;
  try {
    device = await get(`/devices/${seg(params[0])}`);
  } catch (error) {
    fill(root, h('div', { class: 'page-head' }, h('h1', { text: params[0] })), errorBanner(error));
    return;
  }
  if (!isCurrent()) return;
  const id = device.uuid;
  title(`Device ${device.name}`);

  const head = h('div', { class: 'page-head' });
  const overview = h('div', { 'data-testid': 'device-overview' });
  const actionsBox = h('div', { class: 'actions', role: 'group', 'aria-label': 'Device actions' });
  const servicesBody = h('div');
  const tagsBody = h('div');
  const envBody = h('div');
  const metricsBody = h('div', { class: 'charts' });
  const logsBody = h('div');
  const terminalBody = h('div');
  const sessionsBody = h('div');
  const auditBody = h('div');
  let releases = null;

  const services = () => Object.keys(device.services || {}).sort();

  // ---- Overview and head
  function renderOverview() {
    fill(head, h('h1', null,
      h('span', { class: 'muted crumb' }, h('a', { href: '#/fleets', text: 'Fleets' }), ' / ', h('a', { href: `#/fleets/${seg(device.fleet)}`, text: device.fleet }), ' / '),
      h('span', { 'data-testid': 'device-name', text: device.name })),
    h('span', { 'data-testid': 'device-status' }, statusBadge(device.status)));
    const why = explain(device);
    fill(overview,
      why ? h('p', { class: ['banner', device.status === 'failed' || device.status === 'rolled-back' ? 'banner-warn' : 'banner-info'], 'data-testid': 'status-detail', text: why }) : null,
      h('dl', { class: 'facts facts-grid' },
        h('dt', { text: 'Status' }), h('dd', null, deviceStatusCell(device)),
        h('dt', { text: 'Online' }), h('dd', { 'data-testid': 'device-online', 'data-online': String(device.online) }, onlineCell(device)),
        h('dt', { text: 'Runs' }), h('dd', null, releaseCell(device)),
        h('dt', { text: 'Should run' }), h('dd', null, device.targetRelease ? h('a', { class: 'mono', href: `#/releases/${seg(device.targetRelease)}`, text: shortId(device.targetRelease) }) : '—',
          device.pinnedRelease ? h('span', { class: 'muted', text: ' (pinned)' }) : null),
        h('dt', { text: 'Architecture' }), h('dd', { text: device.architecture || '—' }),
        h('dt', { text: 'UUID' }), h('dd', { class: 'mono small', text: device.uuid }),
        device.metrics?.uptime ? [h('dt', { text: 'Up' }), h('dd', { text: `${Math.floor(device.metrics.uptime / 86400)} d ${Math.floor((device.metrics.uptime % 86400) / 3600)} h` })] : null));
    renderActions();
    renderServices();
    renderTags();
  }

  async function loadDevice() {
    try { device = await get(`/devices/${seg(id)}`); } catch (error) {
      if (isCurrent()) fill(overview, errorBanner(error, loadDevice));
      return;
    }
    if (!isCurrent()) return;
    renderOverview();
  }

  // ---- Actions
  async function act(action, { service, text, confirm, danger, done }) {
    if (confirm && !await confirmDialog({ title: confirm, text, confirm: confirm.split(' ')[0], danger })) return;
    const body = { action };
    if (service) body.service = service;
    await attempt(() => post(`/devices/${seg(id)}/actions`, body), done);
    await loadDevice();
  }
  function renderActions() {
    const buttons = [];
    const button = (testid, label, onclick, cls = 'btn-secondary') => buttons.push(h('button', { type: 'button', class: cls, 'data-testid': testid, text: label, onclick }));
    if (can('act-on-device')) {
      button('action-restart', 'Restart', () => act('restart', { confirm: 'Restart the app', text: `Recreate every container of ${device.name}'s app?`, danger: true, done: 'Restart asked for' }));
      button('action-update', 'Update now (force)', () => act('update', { confirm: 'Update past locks', text: 'Apply the target once even while a service holds its update lock?', danger: true, done: 'Forced update asked for' }));
      if (device.status === 'rolled-back' || device.rollout?.outcome === 'rolled-back') {
        button('action-retry', 'Retry release', () => act('retry', { confirm: 'Retry the release', text: 'Try the rolled-back release again?', done: 'Retry asked for' }));
      }
      button('action-purge', 'Purge data…', () => act('purge', { confirm: 'Purge the app', text: 'Remove the app and its volumes — its data — then install it afresh? This cannot be undone.', danger: true, done: 'Purge asked for' }), 'btn-danger');
    }
    if (can('manage-device')) {
      button('action-pin', 'Pin release…', pinDialog);
      button('action-move', 'Move…', moveDialog);
      button('action-rename', 'Rename…', renameDialog);
    }
    if (can('delete-device')) {
      button('action-delete', 'Delete…', async () => {
        if (!await confirmDialog({ title: `Delete ${device.name}`, text: 'Its key stops working at once and its agent stops its apps. The device must enrol again to come back.', confirm: 'Delete', danger: true })) return;
        if (await attempt(() => del(`/devices/${seg(id)}`).then(() => true), `${device.name} deleted`)) location.hash = `#/fleets/${seg(device.fleet)}`;
      }, 'btn-danger');
    }
    fill(actionsBox, buttons.length ? buttons : h('p', { class: 'muted', text: 'Your role reads this device; it takes no actions.' }));
  }
  async function pinDialog() {
    try { releases = await get(`/fleets/${seg(device.fleet)}/releases`); } catch (error) { toast(messageOf(error), 'error'); return; }
    const values = await formDialog({ title: 'Pin release', text: 'Pin the device to one release, or let it track its fleet again.',
      fields: [{ name: 'release', label: 'Release', type: 'select', value: device.pinnedRelease || '',
        options: [['', 'Track the fleet (unpin)'], ...releases.map((r) => [r.id, `${shortId(r.id)} · ${new Date(r.createdAt).toISOString().slice(0, 16).replace('T', ' ')} · ${r.status}`])] }],
      submit: 'Pin' });
    if (!values) return;
    await attempt(() => patch(`/devices/${seg(id)}`, { pinRelease: values.release }), values.release ? `Pinned to ${shortId(values.release)}` : 'Tracks its fleet again');
    await loadDevice();
  }
  async function moveDialog() {
    let fleets;
    try { fleets = await get('/fleets'); } catch (error) { toast(messageOf(error), 'error'); return; }
    const others = fleets.filter((f) => f.name !== device.fleet);
    if (!others.length) { toast('There is no other fleet to move to; create one first.', 'error'); return; }
    const values = await formDialog({ title: 'Move device', text: `Move ${device.name} to another fleet; it will run that fleet's release.`,
      fields: [{ name: 'fleet', label: 'Fleet', type: 'select', options: others.map((f) => f.name) }], submit: 'Move', danger: true });
    if (!values) return;
    await attempt(() => patch(`/devices/${seg(id)}`, { fleet: values.fleet }), `Moved to ${values.fleet}`);
    await loadDevice();
  }
  async function renameDialog() {
    const values = await formDialog({ title: 'Rename device', fields: [{ name: 'name', label: 'Name', value: device.name, required: true }], submit: 'Rename' });
    if (!values) return;
    await attempt(() => patch(`/devices/${seg(id)}`, { name: values.name.trim() }), 'Renamed');
    await loadDevice();
  }

  // ---- Services
  function renderServices() {
    const entries = Object.entries(device.services || {}).sort(([a], [b]) => a.localeCompare(b));
    if (!entries.length) {
      fill(servicesBody, empty(device.targetRelease ? 'No services reported yet — they show once the device has installed its release.' : 'No release yet — create one for the fleet and the device installs it.'));
      return;
    }
    const acting = can('act-on-device');
    fill(servicesBody, table([
      { label: 'Service', header: true, cell: ([name]) => h('span', { class: 'mono', text: name }) },
      // A refused service says why; a replicated one how many of its containers are up (2/3).
      { label: 'State', cell: ([, s]) => (s.failure ? h('span', { title: s.failure }, statusBadge('failed'), h('span', { class: 'muted', text: ` ${s.failure}` }))
        : s.replicas == null ? statusBadge(s.status)
        : h('span', {}, statusBadge(s.status), h('span', { class: 'muted', 'data-testid': 'service-replicas', text: ` ${s.running ?? 0}/${s.replicas}` }))) },
      { label: 'Health', cell: ([, s]) => (s.health ? statusBadge(s.health) : h('span', { class: 'muted', text: 'no check' })) },
      { label: 'Release', cell: ([, s]) => (s.release ? h('a', { class: 'mono', href: `#/releases/${seg(s.release)}`, text: shortId(s.release) }) : '—') },
      { label: 'Container', cell: ([, s]) => h('span', { class: 'mono', title: s.containerID || '', text: s.containerID ? s.containerID.slice(0, 12) : '—' }) },
      ...(acting ? [{ label: 'Actions', cell: ([name, s]) => h('span', { class: 'row-actions' },
        h('button', { type: 'button', class: 'btn-secondary btn-small', 'data-testid': 'service-restart', 'aria-label': `Restart ${name}`, text: 'Restart',
          onclick: () => act('restart', { service: name, confirm: `Restart ${name}`, text: `Recreate the container of ${name}?`, done: `Restarting ${name}` }) }),
        s.status === 'running'
          ? h('button', { type: 'button', class: 'btn-secondary btn-small', 'aria-label': `Stop ${name}`, text: 'Stop',
            onclick: () => act('stop', { service: name, confirm: `Stop ${name}`, text: `Stop ${name}? Its container is kept until you start it.`, danger: true, done: `Stopping ${name}` }) })
          : h('button', { type: 'button', class: 'btn-secondary btn-small', 'aria-label': `Start ${name}`, text: 'Start', onclick: () => act('start', { service: name, done: `Starting ${name}` }) })) }] : []),
    ], entries, { caption: 'Services', rowAttrs: ([name]) => ({ 'data-service': name }) }));
  }

  // ---- Tags
  function renderTags() {
    const tagging = can('tag-device');
    const entries = Object.entries(device.tags || {}).sort();
    const list = entries.length
      ? h('ul', { class: 'chips' }, entries.map(([key, value]) => h('li', { class: 'chip' }, `${key}=${value}`,
        tagging ? h('button', { type: 'button', class: 'chip-x', 'aria-label': `Remove tag ${key}`, text: '×',
          onclick: async () => { await attempt(() => put(`/devices/${seg(id)}/tags`, { remove: [key] }), `Tag ${key} removed`); await loadDevice(); } }) : null)))
      : h('p', { class: 'muted', text: tagging ? 'No tags yet — add one to group devices (e.g. site=lobby) and filter the fleet by it.' : 'No tags.' });
    let form = null;
    if (tagging) {
      const key = h('input', { name: 'key', required: true, autocomplete: 'off', placeholder: 'site' });
      const value = h('input', { name: 'value', required: true, autocomplete: 'off', placeholder: 'lobby' });
      form = h('form', { class: 'inline-form', 'data-testid': 'add-tag' }, field('Tag key', key), field('Value', value), h('button', { type: 'submit', class: 'btn-primary', text: 'Set tag' }));
      form.addEventListener('submit', async (event) => {
        event.preventDefault();
        const done = await attempt(() => put(`/devices/${seg(id)}/tags`, { set: { [key.value.trim()]: value.value } }), `Tag ${key.value.trim()} set`);
        if (done) await loadDevice();
      });
    }
    fill(tagsBody, list, form);
  }

  // ---- Env: device and device-service scope, and which scope wins per service
  async function loadEnv() {
    let vars;
    try { vars = await get(`/env${qs({ device: id })}`); } catch (error) {
      if (isCurrent()) fill(envBody, errorBanner(error, loadEnv));
      return;
    }
    if (!isCurrent()) return;
    const names = new Set(services());
    for (const v of vars) if (v.service) names.add(v.service);
    const serviceList = [...names].sort();
    // Per service, the winning entry of each name (fleet < fleet·service < device < device·service).
    const winners = new Map();
    for (const service of serviceList.length ? serviceList : ['']) {
      const best = new Map();
      for (const v of vars) {
        if (v.service && v.service !== service) continue;
        const known = best.get(v.name);
        if (!known || scopeOf(known) <= scopeOf(v)) best.set(v.name, v);
      }
      for (const v of best.values()) {
        if (!winners.has(v)) winners.set(v, []);
        winners.get(v).push(service);
      }
    }
    const sorted = [...vars].sort((a, b) => a.name.localeCompare(b.name) || scopeOf(a) - scopeOf(b) || (a.service || '').localeCompare(b.service || ''));
    const writable = can('write-env');
    const rows = sorted.map((v) => ({ v, wins: winners.get(v) || [] }));
    fill(envBody,
      h('p', { class: 'muted', text: 'A narrower scope wins: fleet < fleet · service < device < device · service. Fleet-wide variables are edited on the fleet page.' }),
      rows.length ? table([
        { label: 'Name', header: true, cell: ({ v }) => h('span', { class: 'mono', text: v.name }) },
        { label: 'Scope', cell: ({ v }) => h('span', { class: `scope scope-${scopeOf(v)}`, text: scopeNames[scopeOf(v)].replace('service', v.service || 'service') }) },
        { label: 'Value', cell: ({ v, wins }) => h('span', { class: ['mono', 'value', wins.length ? null : 'overridden'], text: v.value }) },
        { label: 'Used by', cell: ({ v, wins }) => (wins.length
          ? h('span', { class: 'wins', 'data-testid': 'env-wins', text: wins[0] === '' ? 'every service' : wins.join(', ') })
          : h('span', { class: 'muted', text: v.service && !serviceList.includes(v.service) ? `no service ${v.service} here` : 'overridden by a narrower scope' })) },
        ...(writable ? [{ label: 'Actions', cell: ({ v }) => (v.device ? h('span', { class: 'row-actions' },
          h('button', { type: 'button', class: 'btn-secondary btn-small', 'aria-label': `Edit ${v.name}`, text: 'Edit', onclick: () => envDialog(v) }),
          h('button', { type: 'button', class: 'btn-danger btn-small', 'aria-label': `Delete ${v.name}${v.service ? ` for ${v.service}` : ''}`, text: 'Delete',
            onclick: async () => {
              if (!await confirmDialog({ title: 'Delete variable', text: `Remove ${v.name} from this device${v.service ? ` (service ${v.service})` : ''}? Its containers are recreated.`, confirm: 'Delete', danger: true })) return;
              await attempt(() => del(`/env${qs({ device: id, name: v.name, service: v.service })}`), `${v.name} removed`);
              await loadEnv();
            } })) : h('a', { href: `#/fleets/${seg(device.fleet)}`, class: 'small', text: 'on the fleet' })) }] : []),
      ], rows, { caption: 'Variables', rowAttrs: ({ v }) => ({ 'data-env': v.name, 'data-scope': scopeNames[scopeOf(v)] }) })
        : empty(writable ? 'No variables for this device or its fleet — add one for this device below.' : 'No variables.'),
      writable ? h('button', { type: 'button', class: 'btn-primary', 'data-testid': 'add-env', text: 'Add device variable', onclick: () => envDialog(null) }) : null);
  }
  async function envDialog(current) {
    const serviceOptions = [['', 'All services (device scope)'], ...services().map((s) => [s, `${s} only (device · service scope)`])];
    if (current?.service && !services().includes(current.service)) serviceOptions.push([current.service, current.service]);
    const values = await formDialog({
      title: current ? `Edit ${current.name}` : 'Add a device variable',
      fields: [
        { name: 'name', label: 'Name', value: current?.name, required: true, placeholder: 'MODE' },
        { name: 'value', label: 'Value', type: 'textarea', value: current?.value },
        { name: 'service', label: 'Scope', type: 'select', options: serviceOptions, value: current?.service ?? '' },
      ],
      submit: 'Save',
    });
    if (!values) return;
    const body = { device: id, name: values.name.trim(), value: values.value, service: values.service || undefined };
    const saved = await attempt(() => put('/env', body), `${body.name} saved; the device recreates what uses it`);
    if (saved && current && (current.name !== body.name || (current.service || '') !== (body.service || ''))) {
      await attempt(() => del(`/env${qs({ device: id, name: current.name, service: current.service })}`));
    }
    await loadEnv();
  }

  // ---- Metrics
  // The whole day once; after that only the minutes from the newest one held on (it may have
  // grown), merged in, so a new sample costs a few rows rather than the day again.
  let history = null;
  async function loadMetrics(incremental = false) {
    const since = incremental && history && history.length ? history[history.length - 1].minute : null;
    let metrics;
    try { metrics = await get(`/devices/${seg(id)}/metrics${qs({ since })}`); } catch (error) {
      if (isCurrent()) fill(metricsBody, errorBanner(error, () => loadMetrics()));
      return;
    }
    if (!isCurrent()) return;
    if (since === null) history = metrics.history || [];
    else {
      history = history.filter((m) => m.minute < since).concat(metrics.history || []);
      const dayAgo = Date.now() / 1000 - 86400;
      while (history.length && history[0].minute < dayAgo) history.shift();
    }
    if (!history.length && !metrics.latest) {
      fill(metricsBody, empty('No metrics yet — the agent sends a sample every 10 s (DROVER_METRICS_INTERVAL changes it) once it runs.'));
      return;
    }
    const series = (pick) => history.map((m) => ({ t: m.minute, v: pick(m) }));
    const memTotal = metrics.latest?.memoryTotal || history.reduce((a, m) => Math.max(a, m.memoryTotal || 0), 0) || undefined;
    fill(metricsBody,
      lineChart({ title: 'CPU', testid: 'chart-cpu', points: series((m) => m.cpu), format: (v) => `${v.toFixed(v < 10 ? 1 : 0)} %` }),
      lineChart({ title: 'Memory', testid: 'chart-memory', points: series((m) => m.memoryUsed), format: (v) => bytes(v), max: memTotal }),
      lineChart({ title: 'Temperature', testid: 'chart-temperature', points: series((m) => m.temperature), format: (v) => `${v.toFixed(1)} °C` }),
      metrics.latest?.containers?.length ? table([
        { label: 'Container', header: true, cell: (c) => h('span', { class: 'mono', text: `${c.app}/${c.service}` }) },
        { label: 'CPU', class: 'num', cell: (c) => `${c.cpu.toFixed(1)} %` },
        { label: 'Memory', class: 'num', cell: (c) => bytes(c.memory) },
      ], metrics.latest.containers, { caption: 'Containers, newest sample' }) : null);
  }

  // ---- Logs: stored lines, then the lines after the last one seen each time the server says there are new ones
  const logLines = h('div', { class: 'log', 'data-testid': 'log', role: 'log', 'aria-label': 'Log lines', tabindex: '0' });
  const logService = h('select', { name: 'service', 'data-testid': 'log-service' });
  const logSearch = h('input', { type: 'search', name: 'search', placeholder: 'Find in lines…', 'data-testid': 'log-search' });
  const followBox = h('input', { type: 'checkbox', name: 'follow', checked: true, id: uid() });
  const logStatus = h('span', { class: 'muted small', 'aria-live': 'polite' });
  let lastSequence = null;
  let logGeneration = 0;
  const lineMatches = (line) => !logSearch.value || line.textContent.toLowerCase().includes(logSearch.value.toLowerCase());
  function appendLines(entries) {
    const atBottom = logLines.scrollTop + logLines.clientHeight >= logLines.scrollHeight - 30;
    for (const entry of entries) {
      if (entry.sequence !== undefined && entry.sequence !== null) lastSequence = Math.max(lastSequence ?? -1, entry.sequence);
      const stamp = entry.timestamp ? entry.timestamp.replace('T', ' ').slice(0, 19) : '';
      const row = h('div', { class: ['log-line', entry.stream === 'stderr' ? 'log-err' : null], 'data-service': entry.service },
        h('span', { class: 'log-time', title: entry.timestamp, text: stamp }), ' ',
        h('span', { class: 'log-svc', text: entry.service }), ' ',
        h('span', { class: 'log-msg', text: entry.message }));
      row.hidden = !lineMatches(row);
      logLines.append(row);
    }
    while (logLines.childElementCount > MAX_LOG_LINES) logLines.firstElementChild.remove();
    if (entries.length && followBox.checked && (atBottom || entries.length)) logLines.scrollTop = logLines.scrollHeight;
  }
  async function loadLogs() {
    const generation = ++logGeneration;
    lastSequence = null;
    let entries;
    try { entries = await get(`/devices/${seg(id)}/logs${qs({ limit: 500, service: logService.value })}`); } catch (error) {
      if (isCurrent()) fill(logLines, errorBanner(error, loadLogs));
      return;
    }
    if (!isCurrent() || generation !== logGeneration) return;
    fill(logLines);
    if (!entries.length) logStatus.textContent = 'No lines stored yet; new ones appear here as the containers print them.';
    else logStatus.textContent = '';
    appendLines(entries);
  }
  async function loadNewLogs() {
    if (lastSequence === null) return loadLogs();
    const generation = logGeneration;
    let entries;
    try { entries = await get(`/devices/${seg(id)}/logs${qs({ after: lastSequence, limit: 1000, service: logService.value })}`); } catch (error) {
      logStatus.textContent = messageOf(error);
      return undefined;
    }
    if (!isCurrent() || generation !== logGeneration) return undefined;
    if (entries.length) logStatus.textContent = '';
    appendLines(entries);
    return undefined;
  }
  function renderLogControls() {
    const current = logService.value;
    fill(logService, h('option', { value: '', text: 'All services' }), services().map((s) => h('option', { value: s, text: s, selected: s === current })));
  }
  logService.addEventListener('change', loadLogs);
  logSearch.addEventListener('input', debounce(() => {
    for (const row of logLines.children) row.hidden = !lineMatches(row);
  }, 150));
  followBox.addEventListener('change', () => { if (followBox.checked) logLines.scrollTop = logLines.scrollHeight; });
  fill(logsBody,
    h('div', { class: 'filters' }, field('Service', logService), field('Search', logSearch),
      h('div', { class: 'field field-check' }, followBox, h('label', { for: followBox.id, text: 'Follow new lines' })), logStatus),
    logLines);

  // ---- Terminal
  let closeTerminal = null;
  function renderTerminalControls() {
    if (!can('session')) {
      fill(terminalBody, h('p', { class: 'muted', text: 'Your role opens no terminals.' }));
      return;
    }
    if (closeTerminal) return;
    const target = select([...services().map((s) => [s, `service ${s}`]), ['', 'the device\'s host (needs DROVER_HOST_SHELL=1)']], { name: 'target', 'data-testid': 'terminal-target' });
    const mount = h('div', { class: 'term-mount' });
    const status = h('span', { class: 'muted small', 'aria-live': 'polite' });
    const openButton = h('button', { type: 'submit', class: 'btn-primary', 'data-testid': 'terminal-open', text: 'Open terminal' });
    const closeButton = h('button', { type: 'button', class: 'btn-secondary', 'data-testid': 'terminal-close', text: 'Close terminal', hidden: true });
    const form = h('form', { class: 'inline-form' }, field('Shell in', target), openButton, closeButton, status);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      openButton.disabled = true;
      status.textContent = 'Loading the terminal…';
      try {
        const { openTerminal } = await import('./terminal.js');
        // Sessions and their audit entries are recorded outside the routes that send events,
        // so the page reads them again itself when a session opens and ends.
        const recorded = () => { loadSessions(); loadAudit(); };
        closeTerminal = await openTerminal(mount, { device: id, service: target.value || undefined,
          onOpen: recorded,
          // Once more a moment later: the end may be written just after the socket closes.
          onEnd: (text) => { status.textContent = `Session ${text}.`; recorded(); setTimeout(() => { if (isCurrent()) recorded(); }, 1500); } });
        status.textContent = `Connected to ${target.value ? `service ${target.value}` : 'the host'}.`;
        openButton.hidden = true;
        closeButton.hidden = false;
        target.disabled = true;
      } catch (error) {
        status.textContent = messageOf(error);
        openButton.disabled = false;
      }
    });
    closeButton.addEventListener('click', () => {
      if (closeTerminal) closeTerminal();
      closeTerminal = null;
      renderTerminalControls();
      loadSessions();
      loadAudit();
    });
    fill(terminalBody, form, mount);
  }
  onDispose(() => { if (closeTerminal) closeTerminal(); });

  // ---- Sessions and audit
  async function loadSessions() {
    let sessions;
    try { sessions = await get(`/devices/${seg(id)}/sessions`); } catch (error) {
      if (isCurrent()) fill(sessionsBody, errorBanner(error, loadSessions));
      return;
    }
    if (!isCurrent()) return;
    fill(sessionsBody, sessions.length ? table([
      { label: 'Who', header: true, cell: (s) => s.user },
      { label: 'Where', cell: (s) => (s.service ? `service ${s.service}` : 'host') },
      { label: 'Command', cell: (s) => h('span', { class: 'mono', text: s.command ? s.command.join(' ') : 'shell' }) },
      { label: 'Started', cell: (s) => timeEl(s.startedAt) },
      { label: 'Ended', cell: (s) => (s.endedAt ? timeEl(s.endedAt) : h('span', { class: 'badge badge-busy', text: 'open' })) },
      { label: 'Result', cell: (s) => (s.error ? h('span', { class: 'reason', text: s.error }) : s.exitCode !== undefined && s.exitCode !== null ? `exit ${s.exitCode}` : '—') },
    ], sessions.slice(0, 50), { caption: 'Sessions' }) : empty('No terminal sessions yet — open one above; each is recorded here with who opened it.'));
  }
  async function loadAudit() {
    if (!can('read-audit')) { fill(auditBody, h('p', { class: 'muted', text: 'Your role does not read the audit log.' })); return; }
    let entries;
    try { entries = await get(`/audit${qs({ device: id, limit: 100 })}`); } catch (error) {
      if (isCurrent()) fill(auditBody, errorBanner(error, loadAudit));
      return;
    }
    if (!isCurrent()) return;
    const mine = entries;
    fill(auditBody,
      h('p', { class: 'muted', text: 'What was done to this device through its own routes, and its sessions; fleet-wide changes are in the audit log.' }),
      mine.length ? table([
        { label: 'When', cell: (e) => timeEl(e.at) },
        { label: 'Who', header: true, cell: (e) => `${e.actor}${e.token ? ` (${e.token})` : ''}` },
        { label: 'Action', cell: (e) => h('span', { class: 'mono', text: e.action }) },
        { label: 'Result', cell: (e) => (e.result === 'ok' ? statusBadge('ok') : h('span', { class: 'reason', text: `${e.status} ${e.result}` })) },
      ], mine, { caption: 'Audit entries', rowAttrs: (e) => ({ 'data-action': e.action }) }) : empty('No audit entries name this device yet.'));
  }

  renderOverview();
  fill(root, head, overview,
    section('Actions', { id: 'actions' }, actionsBox),
    section('Services', { id: 'services' }, servicesBody),
    section('Logs', { id: 'logs' }, logsBody),
    section('Metrics', { id: 'metrics' }, metricsBody),
    section('Terminal', { id: 'terminal' }, terminalBody),
    section('Variables', { id: 'env' }, envBody),
    section('Tags', { id: 'tags' }, tagsBody),
    section('Sessions', { id: 'sessions' }, sessionsBody),
    section('Audit entries', { id: 'audit' }, auditBody));
  renderLogControls();
  renderTerminalControls();
  root.dataset.loaded = 'true';
  await Promise.all([loadLogs(), loadMetrics(), loadEnv(), loadSessions(), loadAudit()]);

  let knownServices = services().join(',');
  onDispose(follow({ device: id }, async (changes) => {
    const work = [];
    if (changes.device || changes.reconnected) {
      work.push(loadDevice().then(() => {
        if (services().join(',') !== knownServices) {
          knownServices = services().join(',');
          renderLogControls();
          renderTerminalControls();
          loadEnv();
        }
      }));
    }
    if (changes.logs) work.push(loadNewLogs());
    if (changes.reconnected) work.push(loadLogs());
    if (changes.metrics || changes.reconnected) work.push(loadMetrics(!changes.reconnected));
    if (changes.env || changes.reconnected) work.push(loadEnv());
    if (changes.audit || changes.reconnected) work.push(loadAudit(), loadSessions());
    await Promise.all(work);
  }));
}
