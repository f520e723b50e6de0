// One release: its compose document (highlighted), services and images by digest, how it
// fares, and where each device of its fleet stands.

import { get, qs, seg } from './api.js';
import { h, fill, section, empty, errorBanner, timeEl, shortId, table, statusBadge, plural } from './ui.js';
import { follow } from './live.js';
import { deviceStatusCell, onlineCell } from './page-fleet.js';

/** A compose document as lines of spans: keys, strings, comments, list dashes. */
function highlightYAML(text) {
  const code = h('code', { class: 'yaml' });
  for (const line of text.replace(/\n+$/, '').split('\n')) {
    const comment = line.match(/^(\s*)(#.*)$/);
    if (comment) {
      code.append(comment[1], h('span', { class: 'y-comment', text: comment[2] }), '\n');
      continue;
    }
    const match = line.match(/^(\s*)(-\s+)?([^\s#'"][^:#]*?|"[^"]*"|'[^']*')(:)(\s|$)(.*)$/);
    if (match) {
      const [, indent, dash, key, colon, space, rest] = match;
      code.append(indent);
      if (dash) code.append(h('span', { class: 'y-dash', text: dash }));
      code.append(h('span', { class: 'y-key', text: key }), colon, space);
      appendValue(code, rest);
    } else {
      const item = line.match(/^(\s*)(-\s+)(.*)$/);
      if (item) {
        code.append(item[1], h('span', { class: 'y-dash', text: item[2] }));
        appendValue(code, item[3]);
      } else {
        code.append(line);
      }
    }
    code.append('\n');
  }
  return h('pre', { class: 'code compose', tabindex: '0', 'aria-label': 'Compose document' }, code);
}

function appendValue(code, rest) {
  const comment = rest.match(/^(.*?)(\s+#.*)$/);
  const value = comment ? comment[1] : rest;
  if (/^(["']).*\1$/.test(value)) code.append(h('span', { class: 'y-string', text: value }));
  else if (/^(true|false|null|~|-?\d+(\.\d+)?)$/.test(value)) code.append(h('span', { class: 'y-literal', text: value }));
  else if (value) code.append(h('span', { class: 'y-value', text: value }));
  if (comment) code.append(h('span', { class: 'y-comment', text: comment[2] }));
}

export async function render({ root, params, onDispose, isCurrent, title }) {
  let release;
  try {
    release = await get(`/releases/${seg(params[0])}`);
  } catch (error) {
    fill(root, h('div', { class: 'page-head' }, h('h1', { text: `Release ${params[0]}` })), errorBanner(error));
    return;
  }
  if (!isCurrent()) return;
  title(`Release ${shortId(release.id)}`);
  let fleet = null;
  const head = h('div', { class: 'page-head' });
  const facts = h('div');
  const devicesBody = h('div');

  function renderRelease() {
    fill(head, h('h1', null,
      h('span', { class: 'muted crumb' }, h('a', { href: '#/fleets', text: 'Fleets' }), ' / ', h('a', { href: `#/fleets/${seg(release.fleet)}`, text: release.fleet }), ' / '),
      'Release ', h('span', { class: 'mono', text: shortId(release.id) })),
    h('span', { 'data-testid': 'release-status' }, statusBadge(release.status)));
    const attempts = release.attempts || { started: 0, healthy: 0, rolledBack: 0 };
    fill(facts,
      release.statusDetail ? h('p', { class: 'banner banner-warn', text: `Failing: ${release.statusDetail}` }) : null,
      h('dl', { class: 'facts facts-grid' },
        h('dt', { text: 'Id' }), h('dd', { class: 'mono small', text: release.id }),
        h('dt', { text: 'Created' }), h('dd', null, timeEl(release.createdAt)),
        h('dt', { text: 'Offered' }), h('dd', { text: fleet ? (fleet.targetRelease === release.id ? `yes — the fleet's ${fleet.trackedRelease === release.id ? 'pinned' : 'current'} release` : 'no') : '…' }),
        h('dt', { text: 'Started on' }), h('dd', { text: plural(attempts.started, 'device') }),
        h('dt', { text: 'Healthy on' }), h('dd', { text: plural(attempts.healthy, 'device') }),
        h('dt', { text: 'Rolled back on' }), h('dd', { text: plural(attempts.rolledBack, 'device') })));
  }

  async function loadDevices() {
    let answer;
    try {
      answer = await get(`/devices${qs({ fleet: release.fleet, sort: 'release', order: 'desc', limit: 100 })}`, { withTotal: true });
    } catch (error) {
      if (isCurrent()) fill(devicesBody, errorBanner(error, loadDevices));
      return;
    }
    if (!isCurrent()) return;
    const devices = answer.data;
    if (!devices.length) { fill(devicesBody, empty('The fleet has no devices yet — enrol one with a provisioning key from the fleet page.')); return; }
    const runs = devices.filter((d) => d.release === release.id).length;
    fill(devicesBody,
      h('p', { class: 'muted', text: `${runs} of the ${devices.length} devices shown run this release${answer.total && answer.total > devices.length ? ` (the fleet has ${answer.total.toLocaleString()}; see its page for all)` : ''}.` }),
      table([
        { label: 'Device', header: true, cell: (d) => h('a', { href: `#/devices/${seg(d.uuid)}`, text: d.name }) },
        { label: 'Stands', cell: (d) => {
          if (d.release === release.id) return h('span', { class: 'badge badge-ok', text: 'runs it' });
          if (d.rollout?.release === release.id && d.rollout.outcome === 'rolled-back') return h('span', { class: 'badge badge-bad', title: d.rollout.reason || '', text: 'rolled it back' });
          if (d.targetRelease === release.id) return h('span', { class: 'badge badge-busy', text: 'moving to it' });
          return h('span', { class: 'muted', text: d.release ? `runs ${shortId(d.release)}` : 'runs nothing' });
        } },
        { label: 'Status', cell: deviceStatusCell },
        { label: 'Online', cell: onlineCell },
      ], devices, { caption: 'Devices of the fleet', rowAttrs: (d) => ({ 'data-device': d.uuid }) }));
  }

  async function loadAll() {
    try {
      [release, fleet] = await Promise.all([get(`/releases/${seg(release.id)}`), get(`/fleets/${seg(release.fleet)}`)]);
    } catch (error) {
      if (isCurrent()) fill(facts, errorBanner(error, loadAll));
      return;
    }
    if (isCurrent()) renderRelease();
  }

  renderRelease();
  const images = Object.entries(release.images || {}).sort(([a], [b]) => a.localeCompare(b));
  fill(root, head, facts,
    section('Services and images', { id: 'images' }, images.length ? table([
      { label: 'Service', header: true, cell: ([service]) => h('span', { class: 'mono', text: service }) },
      { label: 'Image', cell: ([, image]) => h('span', { class: 'mono digest', text: image.split('@')[0] }) },
      { label: 'Digest', cell: ([, image]) => h('span', { class: 'mono digest', title: image, text: image.includes('@') ? image.split('@')[1] : 'not pinned' }) },
    ], images, { caption: 'Images' }) : empty('This release has no services.')),
    section('Compose document', { id: 'compose' }, release.compose ? highlightYAML(release.compose) : h('p', { class: 'muted', text: 'The server did not send the compose document.' })),
    section('Where the devices stand', { id: 'devices' }, devicesBody));
  root.dataset.loaded = 'true';
  await Promise.all([loadAll(), loadDevices()]);
  onDispose(follow({ fleet: release.fleet }, async (changes) => {
    const work = [];
    if (changes.release || changes.fleet || changes.reconnected) work.push(loadAll());
    if (changes.device || changes.reconnected) work.push(loadDevices());
    await Promise.all(work);
  }));
}
