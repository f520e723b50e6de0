// One fleet: its devices (filtered, sorted and paged by the server, with bulk actions), its
// releases, env vars, secrets and configs, provisioning keys and settings.

import { get, post, patch, put, del, qs, seg } from './api.js';
import {
  h, fill, section, empty, errorBanner, timeEl, shortId, plural, field, select, table, attempt, toast, messageOf,
  statusBadge, bytes, formDialog, confirmDialog, secretDialog, debounce, eachLimited, uid,
} from './ui.js';
import { follow } from './live.js';
import { summaryView } from './page-fleets.js';
import { filesSection } from './fleet-files.js';

const PAGE = 50;
const ATTEMPTS_SHOWN = 10;
const statuses = ['running', 'idle', 'provisioned', 'update pending', 'downloading', 'installing', 'pending', 'rolled-back', 'failed'];
let interactiveMarked = false;

export function deviceStatusCell(device) {
  return h('span', { class: 'status-cell' }, statusBadge(device.status),
    device.statusDetail ? h('span', { class: 'detail-hint', title: device.statusDetail }, h('span', { 'aria-hidden': 'true', text: '?' }), h('span', { class: 'sr-only', text: `Why: ${device.statusDetail}` })) : null);
}

export function onlineCell(device) {
  return h('span', { class: 'online-cell' },
    h('span', { class: ['dot', device.online ? 'dot-on' : 'dot-off'], 'aria-hidden': 'true' }),
    h('span', { class: 'sr-only', text: device.online ? 'online, ' : 'offline, ' }),
    h('span', { class: 'online-word', 'data-testid': 'online', text: device.online ? 'online' : 'offline' }), ' ',
    device.lastSeen ? timeEl(device.lastSeen) : h('span', { class: 'muted', text: 'never seen' }));
}

export function releaseCell(device) {
  const runs = device.release
    ? h('a', { href: `#/releases/${seg(device.release)}`, class: 'mono', 'data-testid': 'device-release', 'data-release': device.release, text: shortId(device.release) })
    : h('span', { class: 'muted', 'data-testid': 'device-release', 'data-release': '', text: 'none' });
  const pending = device.targetRelease && device.targetRelease !== device.release
    ? h('span', { class: 'muted', title: `should run ${device.targetRelease}` }, ' → ', h('span', { class: 'mono', text: shortId(device.targetRelease) }))
    : null;
  return h('span', null, runs, pending, device.pinnedRelease ? h('span', { class: 'pin', title: `pinned to ${device.pinnedRelease}`, text: ' 📌' }) : null);
}

export function tagChips(tags) {
  const entries = Object.entries(tags || {});
  if (!entries.length) return h('span', { class: 'muted', text: '—' });
  return h('ul', { class: 'chips' }, entries.sort().map(([key, value]) => h('li', { class: 'chip', text: `${key}=${value}` })));
}

function metricCells(device) {
  const m = device.metrics || {};
  return {
    cpu: m.cpu === undefined || m.cpu === null ? '—' : `${m.cpu.toFixed(m.cpu < 10 ? 1 : 0)} %`,
    memory: m.memoryUsed === undefined || m.memoryUsed === null ? '—' : `${bytes(m.memoryUsed)}${m.memoryTotal ? ` / ${bytes(m.memoryTotal)}` : ''}`,
    temperature: m.temperature === undefined || m.temperature === null ? '—' : `${m.temperature.toFixed(1)} °C`,
  };
}

export async function render({ root, params, can, onDispose, isCurrent, title }) {
  const fleetRef = params[0];
  let fleet;
  // The first page of devices is asked for at once, beside the fleet, not after it.
  const firstPage = get(`/devices${qs({ fleet: fleetRef, sort: 'name', order: 'asc', limit: PAGE, offset: 0 })}`, { withTotal: true });
  firstPage.catch(() => {});
  try {
    fleet = await get(`/fleets/${seg(fleetRef)}`);
  } catch (error) {
    fill(root, h('div', { class: 'page-head' }, h('h1', { text: fleetRef })), errorBanner(error));
    return;
  }
  if (!isCurrent()) return;
  title(`Fleet ${fleet.name}`);

  const head = h('div', { class: 'page-head' });
  const headFacts = h('div', { class: 'head-facts' });
  const devicesBody = h('div');
  const releasesBody = h('div');
  const envBody = h('div');
  const keysBody = h('div');
  const settingsBody = h('div');

  // ---- Devices: query state, filters, table, pages, bulk actions
  const query = { q: '', status: '', online: '', tag: '', sort: 'name', order: 'asc', offset: 0 };
  const selected = new Set();
  let pageDevices = [];
  let total = 0;

  const search = h('input', { type: 'search', name: 'q', placeholder: 'Name contains…', 'data-testid': 'device-search' });
  const statusFilter = select([['', 'Any status'], ...statuses.map((s) => [s, s])], { name: 'status', 'data-testid': 'status-filter' });
  const onlineFilter = select([['', 'Online or not'], ['true', 'Online'], ['false', 'Offline']], { name: 'online', 'data-testid': 'online-filter' });
  const tagFilter = h('input', { name: 'tag', placeholder: 'key=value', autocomplete: 'off', pattern: '[^=]+=.+', 'data-testid': 'tag-filter' });
  const refilter = () => {
    query.q = search.value.trim();
    query.status = statusFilter.value;
    query.online = onlineFilter.value;
    query.tag = tagFilter.validity.valid ? tagFilter.value.trim() : '';
    query.offset = 0;
    selected.clear();
    loadDevices();
  };
  search.addEventListener('input', debounce(refilter, 250));
  tagFilter.addEventListener('input', debounce(refilter, 400));
  statusFilter.addEventListener('change', refilter);
  onlineFilter.addEventListener('change', refilter);
  const filters = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter devices', onsubmit: (e) => { e.preventDefault(); refilter(); } },
    field('Search by name', search), field('Status', statusFilter), field('Online', onlineFilter), field('Tag', tagFilter));

  const bulkAllowed = {
    restart: can('act-on-device'), move: can('manage-device'), pin: can('manage-device'), tag: can('tag-device'),
  };
  const anyBulk = Object.values(bulkAllowed).some(Boolean);
  const selectionNote = h('span', { class: 'muted', 'data-testid': 'selection-count', 'aria-live': 'polite' });
  const bulkButtons = [];
  const bulkButton = (key, label, handler) => {
    if (!bulkAllowed[key]) return null;
    const button = h('button', { type: 'button', class: 'btn-secondary btn-small', 'data-testid': `bulk-${key}`, text: label, disabled: true, onclick: handler });
    bulkButtons.push(button);
    return button;
  };
  const bulkBar = anyBulk ? h('div', { class: 'bulk', role: 'group', 'aria-label': 'Bulk actions on selected devices' },
    selectionNote,
    bulkButton('restart', 'Restart', bulkRestart),
    bulkButton('move', 'Move to fleet…', bulkMove),
    bulkButton('pin', 'Pin release…', bulkPin),
    bulkButton('tag', 'Tag…', bulkTag)) : null;
  const updateSelection = () => {
    selectionNote.textContent = selected.size ? `${plural(selected.size, 'device')} selected` : 'Select devices for bulk actions';
    for (const button of bulkButtons) button.disabled = selected.size === 0;
  };

  const tableBox = h('div', { 'data-testid': 'device-table' });
  const pager = h('nav', { class: 'pager', 'aria-label': 'Device pages' });

  async function loadDevices(prefetched) {
    const params = { fleet: fleet.name, q: query.q, status: query.status, online: query.online, tag: query.tag, sort: query.sort, order: query.order, limit: PAGE, offset: query.offset };
    let answer;
    try {
      answer = await (prefetched || get(`/devices${qs(params)}`, { withTotal: true }));
    } catch (error) {
      if (isCurrent()) fill(tableBox, errorBanner(error, loadDevices));
      return;
    }
    if (!isCurrent()) return;
    pageDevices = answer.data;
    total = answer.total ?? (query.offset + pageDevices.length + (pageDevices.length === PAGE ? 1 : 0));
    renderDevices();
  }

  // The table is drawn again on every change; a keyboard user keeps their place in it.
  function focusedKey() {
    const active = document.activeElement;
    if (!active || !(tableBox.contains(active) || pager.contains(active))) return null;
    const row = active.closest('tr');
    if (active.dataset.sort) return `button[data-sort="${active.dataset.sort}"]`;
    if (!active.dataset.testid) return null;
    return row && row.dataset.device ? `tr[data-device="${row.dataset.device}"] [data-testid="${active.dataset.testid}"]` : `[data-testid="${active.dataset.testid}"]`;
  }
  function restoreFocus(key) {
    if (!key) return;
    const target = tableBox.querySelector(key) || pager.querySelector(key);
    if (target && !target.disabled) target.focus();
  }

  function renderDevices() {
    const focusKey = focusedKey();
    const filtered = query.q || query.status || query.online || query.tag;
    if (!pageDevices.length) {
      if (filtered) fill(tableBox, empty('No devices match these filters — clear them to see the whole fleet.'));
      else if (query.offset > 0) { query.offset = 0; loadDevices(); return; }
      else {
        fill(tableBox, empty('No devices yet — create a provisioning key below and run drover-agent on the device with it:',
          h('pre', { class: 'code', text: `drover-agent run --config agent.json   # {"server": "${location.origin}", "provisioningKey": "KEY", "deviceName": "NAME", "engine": "unix:///var/run/docker.sock", "stateDir": "/var/lib/drover"}` })));
      }
      fill(pager);
      updateSelection();
      return;
    }
    const allBox = anyBulk ? h('input', { type: 'checkbox', 'aria-label': 'Select all devices on this page', 'data-testid': 'select-all',
      checked: pageDevices.every((d) => selected.has(d.uuid)),
      onchange: (event) => {
        for (const device of pageDevices) { if (event.target.checked) selected.add(device.uuid); else selected.delete(device.uuid); }
        renderDevices();
      } }) : null;
    const columns = [];
    if (anyBulk) {
      columns.push({ labelNode: allBox, class: 'col-check', cell: (d) => h('input', { type: 'checkbox', 'aria-label': `Select ${d.name}`, 'data-testid': 'select-device', checked: selected.has(d.uuid),
        onchange: (event) => { if (event.target.checked) selected.add(d.uuid); else selected.delete(d.uuid); updateSelection(); } }) });
    }
    columns.push(
      { label: 'Name', sort: 'name', header: true, cell: (d) => h('a', { href: `#/devices/${seg(d.uuid)}`, 'data-testid': 'device-link', text: d.name }) },
      { label: 'Status', sort: 'status', cell: deviceStatusCell },
      { label: 'Release', sort: 'release', cell: releaseCell },
      { label: 'Online', sort: 'online', cell: onlineCell },
      { label: 'Last seen', sort: 'lastSeen', class: 'col-hidden-narrow', cell: (d) => timeEl(d.lastSeen, 'never') },
      { label: 'Tags', cell: (d) => tagChips(d.tags) },
      { label: 'CPU', class: 'num', cell: (d) => metricCells(d).cpu },
      { label: 'Memory', class: 'num', cell: (d) => metricCells(d).memory },
      { label: 'Temp.', class: 'num', cell: (d) => metricCells(d).temperature },
    );
    fill(tableBox, table(columns, pageDevices, {
      caption: `Devices of ${fleet.name}`,
      className: 'devices',
      rowAttrs: (d) => ({ 'data-device': d.uuid, 'data-name': d.name, 'data-testid': 'device-row' }),
      sort: { key: query.sort, order: query.order },
      onSort: (key) => {
        if (query.sort === key) query.order = query.order === 'asc' ? 'desc' : 'asc';
        else { query.sort = key; query.order = key === 'lastSeen' ? 'desc' : 'asc'; }
        query.offset = 0;
        loadDevices();
      },
    }));
    const pages = Math.max(1, Math.ceil(total / PAGE));
    const current = Math.floor(query.offset / PAGE) + 1;
    const go = (offset) => { query.offset = offset; loadDevices(); };
    fill(pager,
      h('button', { type: 'button', class: 'btn-secondary btn-small', 'data-testid': 'page-first', disabled: current <= 1, onclick: () => go(0), text: '« First' }),
      h('button', { type: 'button', class: 'btn-secondary btn-small', 'data-testid': 'page-prev', disabled: current <= 1, onclick: () => go(query.offset - PAGE), text: '‹ Previous' }),
      h('span', { class: 'page-info', 'data-testid': 'page-info', 'aria-live': 'polite',
        text: `${(query.offset + 1).toLocaleString()}–${(query.offset + pageDevices.length).toLocaleString()} of ${total.toLocaleString()} · page ${current} of ${pages.toLocaleString()}` }),
      h('button', { type: 'button', class: 'btn-secondary btn-small', 'data-testid': 'page-next', disabled: current >= pages, onclick: () => go(query.offset + PAGE), text: 'Next ›' }),
      h('button', { type: 'button', class: 'btn-secondary btn-small', 'data-testid': 'page-last', disabled: current >= pages, onclick: () => go((pages - 1) * PAGE), text: 'Last »' }));
    updateSelection();
    restoreFocus(focusKey);
    if (!interactiveMarked) {
      interactiveMarked = true;
      performance.mark('drover-interactive');
    }
    root.dataset.loaded = 'true';
  }

  async function runBulk(verb, fn) {
    const ids = [...selected];
    const results = await eachLimited(ids, 4, fn);
    const failed = results.filter((r) => !r.ok);
    if (failed.length) toast(`${verb}: ${failed.length} of ${ids.length} failed — ${messageOf(failed[0].error)}`, 'error');
    else toast(`${verb}: ${plural(ids.length, 'device')}`);
    await loadDevices();
  }
  async function bulkRestart() {
    if (!await confirmDialog({ title: 'Restart devices', text: `Recreate the app's containers on ${plural(selected.size, 'device')}?`, confirm: 'Restart', danger: true })) return;
    await runBulk('Restarted', (id) => post(`/devices/${seg(id)}/actions`, { action: 'restart' }));
  }
  async function bulkMove() {
    let fleets;
    try { fleets = await get('/fleets'); } catch (error) { toast(messageOf(error), 'error'); return; }
    const others = fleets.filter((f) => f.id !== fleet.id);
    if (!others.length) { toast('There is no other fleet to move to; create one first.', 'error'); return; }
    const values = await formDialog({ title: 'Move devices', text: `Move ${plural(selected.size, 'device')} to another fleet; they will run its release.`,
      fields: [{ name: 'fleet', label: 'Fleet', type: 'select', options: others.map((f) => [f.name, f.name]) }], submit: 'Move', danger: true });
    if (!values) return;
    await runBulk(`Moved to ${values.fleet}`, (id) => patch(`/devices/${seg(id)}`, { fleet: values.fleet }));
    selected.clear();
    await loadDevices();
  }
  async function bulkPin() {
    let releases;
    try { releases = await get(`/fleets/${seg(fleet.name)}/releases`); } catch (error) { toast(messageOf(error), 'error'); return; }
    const values = await formDialog({ title: 'Pin release', text: `Pin ${plural(selected.size, 'device')} to a release, or let them track the fleet again.`,
      fields: [{ name: 'release', label: 'Release', type: 'select', options: [['', 'Track the fleet (unpin)'], ...releases.map((r) => [r.id, `${shortId(r.id)} · ${new Date(r.createdAt).toISOString().slice(0, 16).replace('T', ' ')} · ${r.status}`])] }],
      submit: 'Pin' });
    if (!values) return;
    await runBulk(values.release ? `Pinned to ${shortId(values.release)}` : 'Unpinned', (id) => patch(`/devices/${seg(id)}`, { pinRelease: values.release }));
  }
  async function bulkTag() {
    const values = await formDialog({ title: 'Tag devices', text: `Set or remove a tag on ${plural(selected.size, 'device')}.`,
      fields: [
        { name: 'mode', label: 'Change', type: 'select', options: [['set', 'Set the tag'], ['remove', 'Remove the tag']] },
        { name: 'key', label: 'Key', required: true },
        { name: 'value', label: 'Value (to set)' },
      ], submit: 'Apply' });
    if (!values) return;
    const body = values.mode === 'remove' ? { remove: [values.key] } : { set: { [values.key]: values.value } };
    await runBulk(values.mode === 'remove' ? `Removed tag ${values.key}` : `Tagged ${values.key}=${values.value}`, (id) => put(`/devices/${seg(id)}/tags`, body));
  }

  // ---- Head
  function renderHead() {
    const tracked = fleet.trackedRelease;
    fill(head, h('h1', null, h('span', { class: 'muted crumb' }, h('a', { href: '#/fleets', text: 'Fleets' }), ' / '), fleet.name),
      fleet.production ? h('span', { class: 'badge badge-bad', text: 'production' }) : null);
    fill(headFacts, summaryView(fleet),
      h('dl', { class: 'facts facts-row' },
        h('dt', { text: 'Devices' }), h('dd', { 'data-testid': 'device-count', text: (fleet.deviceCount || 0).toLocaleString() }),
        h('dt', { text: 'Offers' }), h('dd', null, fleet.targetRelease ? h('a', { class: 'mono', href: `#/releases/${seg(fleet.targetRelease)}`, text: shortId(fleet.targetRelease) }) : h('span', { class: 'muted', text: 'no release yet' })),
        h('dt', { text: 'Tracks' }), h('dd', { text: tracked ? `release ${shortId(tracked)} (pinned)` : 'the latest good release' }),
        h('dt', { text: 'On it' }), h('dd', { 'data-testid': 'on-target', text: plural(fleet.summary?.onTarget ?? 0, 'device') })));
  }

  async function loadFleet() {
    try {
      fleet = await get(`/fleets/${seg(fleet.id)}`);
    } catch (error) {
      if (isCurrent()) fill(headFacts, errorBanner(error, loadFleet));
      return;
    }
    if (!isCurrent()) return;
    renderHead();
    renderSettings();
  }

  // ---- Releases
  async function loadReleases() {
    let releases;
    try { releases = await get(`/fleets/${seg(fleet.name)}/releases`); } catch (error) {
      if (isCurrent()) fill(releasesBody, errorBanner(error, loadReleases));
      return;
    }
    if (!isCurrent()) return;
    // The list leaves out how each release fares; the newest ones' counts come from their own answers.
    await Promise.all(releases.slice(0, ATTEMPTS_SHOWN).map((r) => get(`/releases/${seg(r.id)}`)
      .then((full) => { r.attempts = full.attempts; r.statusDetail = full.statusDetail ?? r.statusDetail; }, () => {})));
    if (!isCurrent()) return;
    if (!releases.length) {
      fill(releasesBody, empty('No releases yet — create one from a compose file:', h('pre', { class: 'code', text: `drover release create --fleet ${fleet.name} -f docker-compose.yml` })));
      return;
    }
    const manage = can('manage-fleet');
    fill(releasesBody,
      manage && fleet.trackedRelease ? h('p', null, 'This fleet is pinned to one release. ',
        h('button', { type: 'button', class: 'btn-secondary btn-small', 'data-testid': 'track-latest', text: 'Track the latest release',
          onclick: () => attempt(() => patch(`/fleets/${seg(fleet.id)}`, { trackRelease: 'latest' }), 'The fleet tracks the latest release').then(refreshFleetAndReleases) })) : null,
      table([
        { label: 'Release', header: true, cell: (r) => h('a', { href: `#/releases/${seg(r.id)}`, class: 'mono', text: shortId(r.id) }) },
        { label: 'Created', cell: (r) => timeEl(r.createdAt) },
        { label: 'Status', cell: (r) => h('span', null, statusBadge(r.status), r.statusDetail ? h('span', { class: 'reason', text: ` ${r.statusDetail}` }) : null) },
        { label: 'Started', class: 'num', cell: (r) => (r.attempts ? String(r.attempts.started) : '—') },
        { label: 'Healthy', class: 'num', cell: (r) => (r.attempts ? String(r.attempts.healthy) : '—') },
        { label: 'Rolled back', class: 'num', cell: (r) => (r.attempts ? String(r.attempts.rolledBack) : '—') },
        { label: 'Services', cell: (r) => (r.services || []).join(', ') },
        { label: 'Offered', cell: (r) => (r.id === fleet.targetRelease ? h('span', { class: 'badge badge-ok', text: fleet.trackedRelease === r.id ? 'pinned' : 'current' }) : '') },
        ...(manage ? [{ label: 'Actions', cell: (r) => (fleet.trackedRelease === r.id ? '' : h('button', { type: 'button', class: 'btn-secondary btn-small', 'data-testid': 'track-release',
          'aria-label': `Pin the fleet to release ${shortId(r.id)}`, text: 'Pin fleet to it',
          onclick: async () => {
            if (!await confirmDialog({ title: 'Pin the fleet', text: `Every device of ${fleet.name} that is not pinned itself will run release ${shortId(r.id)}.`, confirm: 'Pin fleet' })) return;
            await attempt(() => patch(`/fleets/${seg(fleet.id)}`, { trackRelease: r.id }), `The fleet runs release ${shortId(r.id)}`);
            await refreshFleetAndReleases();
          } })) }] : []),
      ], releases.slice(0, 50), { caption: 'Releases', rowAttrs: (r) => ({ 'data-release': r.id }) }),
      releases.length > 50 ? h('p', { class: 'muted', text: `The newest 50 of ${releases.length} releases.` }) : null);
  }
  const refreshFleetAndReleases = () => Promise.all([loadFleet(), loadReleases()]);

  // ---- Env
  async function loadEnv() {
    let vars;
    try { vars = await get(`/env${qs({ fleet: fleet.name })}`); } catch (error) {
      if (isCurrent()) fill(envBody, errorBanner(error, loadEnv));
      return;
    }
    if (!isCurrent()) return;
    const fleetVars = vars.filter((v) => !v.device).sort((a, b) => a.name.localeCompare(b.name) || (a.service || '').localeCompare(b.service || ''));
    const writable = can('write-env');
    const edit = (v) => envDialog(v);
    fill(envBody,
      fleetVars.length ? table([
        { label: 'Name', header: true, cell: (v) => h('span', { class: 'mono', text: v.name }) },
        { label: 'Service', cell: (v) => (v.service ? h('span', { class: 'mono', text: v.service }) : h('span', { class: 'muted', text: 'all services' })) },
        { label: 'Value', cell: (v) => h('span', { class: 'mono value', text: v.value }) },
        ...(writable ? [{ label: 'Actions', cell: (v) => h('span', { class: 'row-actions' },
          h('button', { type: 'button', class: 'btn-secondary btn-small', 'aria-label': `Edit ${v.name}${v.service ? ` for ${v.service}` : ''}`, text: 'Edit', onclick: () => edit(v) }),
          h('button', { type: 'button', class: 'btn-danger btn-small', 'aria-label': `Delete ${v.name}${v.service ? ` for ${v.service}` : ''}`, text: 'Delete',
            onclick: async () => {
              if (!await confirmDialog({ title: 'Delete variable', text: `Remove ${v.name}${v.service ? ` (service ${v.service})` : ''} from every device of ${fleet.name}? Their containers are recreated.`, confirm: 'Delete', danger: true })) return;
              await attempt(() => del(`/env${qs({ fleet: fleet.name, name: v.name, service: v.service })}`), `${v.name} removed`);
              await loadEnv();
            } })) }] : []),
      ], fleetVars, { caption: 'Fleet variables', rowAttrs: (v) => ({ 'data-env': v.name }) })
        : empty(writable ? 'No fleet variables yet — add one; every device of the fleet gets it (a service scope narrows it to one service).' : 'No fleet variables.'),
      writable ? h('button', { type: 'button', class: 'btn-primary', 'data-testid': 'add-env', text: 'Add variable', onclick: () => edit(null) }) : null);
  }
  async function envDialog(current) {
    const values = await formDialog({
      title: current ? `Edit ${current.name}` : 'Add a fleet variable',
      fields: [
        { name: 'name', label: 'Name', value: current?.name, required: true, placeholder: 'MODE' },
        { name: 'value', label: 'Value', type: 'textarea', value: current?.value },
        { name: 'service', label: 'Service (empty: all services)', value: current?.service ?? '', placeholder: 'web' },
      ],
      submit: 'Save',
    });
    if (!values) return;
    const body = { fleet: fleet.name, name: values.name.trim(), value: values.value, service: values.service.trim() || undefined };
    const saved = await attempt(() => put('/env', body), `${body.name} saved`);
    if (saved && current && (current.name !== body.name || (current.service || '') !== (body.service || ''))) {
      await attempt(() => del(`/env${qs({ fleet: fleet.name, name: current.name, service: current.service })}`));
    }
    await loadEnv();
  }

  // ---- Keys
  async function loadKeys() {
    if (!can('manage-keys')) {
      fill(keysBody, h('p', { class: 'muted', text: 'Provisioning keys are managed by operators and admins.' }));
      return;
    }
    let keys;
    try { keys = await get(`/fleets/${seg(fleet.name)}/keys`); } catch (error) {
      if (isCurrent()) fill(keysBody, errorBanner(error, loadKeys));
      return;
    }
    if (!isCurrent()) return;
    const limitInput = h('input', { type: 'number', min: 1, name: 'deviceLimit', placeholder: 'no limit' });
    const daysInput = h('input', { type: 'number', min: 1, max: 3650, name: 'expiresDays', placeholder: 'never' });
    const form = h('form', { class: 'inline-form', 'data-testid': 'create-key' },
      field('Most devices', limitInput), field('Expires in days', daysInput),
      h('button', { type: 'submit', class: 'btn-primary', text: 'Create key' }));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const body = {};
      if (limitInput.value) body.deviceLimit = Number(limitInput.value);
      if (daysInput.value) body.expiresInSeconds = Math.round(Number(daysInput.value) * 86400);
      const created = await attempt(() => post(`/fleets/${seg(fleet.name)}/keys`, body));
      if (!created) return;
      await secretDialog({
        title: 'Provisioning key', secret: created.key,
        text: 'Copy it now: it is shown only this once. Put it in the agent\'s config on each device:',
        extra: JSON.stringify({ server: location.origin, provisioningKey: created.key, deviceName: 'NAME', engine: 'unix:///var/run/docker.sock', stateDir: '/var/lib/drover', pollInterval: 30 }, null, 1) + '\n\ndrover-agent run --config /etc/drover/agent.json',
      });
      await loadKeys();
    });
    const active = keys.filter((k) => !k.revoked);
    fill(keysBody,
      active.length ? table([
        { label: 'Key', header: true, cell: (k) => h('span', { class: 'mono', text: k.id }) },
        { label: 'Enrolled', class: 'num', cell: (k) => `${k.devicesEnrolled}${k.deviceLimit ? ` of ${k.deviceLimit}` : ''}` },
        { label: 'Expires', cell: (k) => timeEl(k.expiresAt, 'never') },
        { label: 'Actions', cell: (k) => h('button', { type: 'button', class: 'btn-danger btn-small', 'aria-label': `Revoke key ${k.id}`, text: 'Revoke',
          onclick: async () => {
            if (!await confirmDialog({ title: 'Revoke key', text: 'Devices can no longer enrol with it; enrolled devices keep working.', confirm: 'Revoke', danger: true })) return;
            await attempt(() => del(`/fleets/${seg(fleet.name)}/keys/${seg(k.id)}`), 'Key revoked');
            await loadKeys();
          } }) },
      ], active, { caption: 'Provisioning keys' }) : empty('No active provisioning keys — create one to enrol devices.'),
      keys.length > active.length ? h('p', { class: 'muted', text: `${plural(keys.length - active.length, 'revoked key')} not shown.` }) : null,
      form);
  }

  // ---- Settings
  let settingsDirty = false;
  function renderSettings() {
    if (settingsDirty) return;
    const manage = can('manage-fleet');
    const share = h('input', { type: 'number', name: 'failingShare', min: 0.01, max: 1, step: 0.01, value: fleet.failingShare ?? 0.2, disabled: !manage });
    const minDevices = h('input', { type: 'number', name: 'failingMinDevices', min: 1, step: 1, value: fleet.failingMinDevices ?? 2, disabled: !manage });
    const production = h('input', { type: 'checkbox', name: 'production', checked: Boolean(fleet.production), disabled: !manage });
    const productionId = uid();
    production.id = productionId;
    const form = h('form', { class: 'inline-form', 'data-testid': 'fleet-settings', oninput: () => { settingsDirty = true; } },
      field('Failing share (0–1)', share, 'A release is failing when more than this share of the devices that tried it rolled it back…'),
      field('Failing at least', minDevices, '…and at least this many did.'),
      h('div', { class: 'field field-check' }, production, h('label', { for: productionId, text: 'Production (developers open no terminals)' })),
      manage ? h('button', { type: 'submit', class: 'btn-primary', text: 'Save settings' }) : null);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const body = { failingShare: Number(share.value), failingMinDevices: Number(minDevices.value), production: production.checked };
      const saved = await attempt(() => patch(`/fleets/${seg(fleet.id)}`, body), 'Settings saved');
      if (saved) { settingsDirty = false; await loadFleet(); }
    });
    fill(settingsBody, form,
      can('delete-fleet') ? h('div', { class: 'danger-zone' },
        h('button', { type: 'button', class: 'btn-danger', 'data-testid': 'delete-fleet', text: 'Delete fleet…', onclick: async () => {
          if (!await confirmDialog({ title: `Delete ${fleet.name}`, text: 'The fleet, its releases, keys and variables go for good.', confirm: 'Delete fleet', danger: true })) return;
          if (await attempt(() => del(`/fleets/${seg(fleet.id)}`).then(() => true), `${fleet.name} deleted`)) location.hash = '#/fleets';
        } })) : null);
  }

  const files = filesSection(fleet, can, isCurrent);
  renderHead();
  fill(root, head, headFacts,
    section('Devices', { id: 'devices' }, filters, bulkBar, tableBox, pager),
    section('Releases', { id: 'releases' }, releasesBody),
    section('Variables', { id: 'env' }, envBody),
    section('Secrets and configs', { id: 'files' }, files.body),
    section('Provisioning keys', { id: 'keys' }, keysBody),
    section('Settings', { id: 'settings' }, settingsBody));
  renderSettings();
  updateSelection();
  await loadDevices(firstPage);
  loadReleases();
  loadEnv();
  files.load();
  loadKeys();

  onDispose(follow({ fleet: fleet.id }, async (changes) => {
    const work = [];
    if (changes.device || changes.reconnected) work.push(loadDevices());
    if (changes.device || changes.release || changes.fleet || changes.reconnected) work.push(loadFleet());
    if (changes.release || changes.fleet || changes.reconnected) work.push(loadReleases());
    if (changes.env || changes.reconnected) work.push(loadEnv());
    await Promise.all(work);
  }));
}
