// Fleets: every fleet with its devices by status, the release it offers and how many run it.

import { get, post } from './api.js';
import { h, fill, section, empty, errorBanner, timeEl, shortId, plural, field, attempt } from './ui.js';
import { follow } from './live.js';

const statusCounts = [
  ['running', 'running', 'ok'],
  ['updating', 'updating', 'busy'],
  ['failed', 'failed', 'bad'],
  ['offline', 'offline', 'off'],
];

/** The fleet's device counts as a bar and figures. */
export function summaryView(fleet) {
  const summary = fleet.summary || {};
  const total = fleet.deviceCount || 0;
  const bar = h('div', { class: 'stack-bar', 'aria-hidden': 'true' });
  for (const [key, , group] of statusCounts) {
    const count = summary[key] || 0;
    if (!count || !total) continue;
    const part = h('span', { class: `stack-${group}` });
    part.style.width = `${(100 * count) / total}%`;
    bar.append(part);
  }
  return h('div', { class: 'summary' },
    bar,
    h('ul', { class: 'counts' }, statusCounts.map(([key, label, group]) =>
      h('li', { class: `count count-${group}`, 'data-count': key },
        h('span', { class: 'count-n', text: (summary[key] || 0).toLocaleString() }), ' ', h('span', { class: 'count-label', text: label })))));
}

export async function render({ root, can, onDispose, isCurrent, title }) {
  title('Fleets');
  const list = h('div', { class: 'fleet-grid', 'data-testid': 'fleet-list' });
  const banner = h('div');
  let createForm = null;
  if (can('create-fleet')) {
    const name = h('input', { name: 'name', required: true, pattern: '[A-Za-z0-9._\\-]+', placeholder: 'e.g. kiosks', autocomplete: 'off' });
    createForm = h('form', { class: 'inline-form', 'data-testid': 'create-fleet' },
      field('New fleet name', name),
      h('button', { type: 'submit', class: 'btn-primary', text: 'Create fleet' }));
    createForm.addEventListener('submit', async (event) => {
      event.preventDefault();
      const created = await attempt(() => post('/fleets', { name: name.value.trim() }), `Fleet ${name.value.trim()} created`);
      if (created) {
        name.value = '';
        await load();
      }
    });
  }
  fill(root,
    h('div', { class: 'page-head' }, h('h1', { text: 'Fleets' })),
    banner,
    list,
    createForm ? section('Create a fleet', {}, createForm) : null);

  async function load() {
    let fleets;
    try {
      fleets = await get('/fleets');
    } catch (error) {
      if (isCurrent()) fill(banner, errorBanner(error, load));
      return;
    }
    if (!isCurrent()) return;
    fill(banner);
    if (!fleets.length) {
      fill(list, empty(can('create-fleet')
        ? 'No fleets yet — create one below, then a provisioning key on its page for your first device.'
        : 'No fleets that you can see yet — ask an admin to create one or to give you a role in one.'));
      return;
    }
    fill(list, fleets.map((fleet) => {
      const summary = fleet.summary || {};
      return h('article', { class: 'card fleet-card', 'data-testid': 'fleet-card', 'data-fleet': fleet.name },
        h('h2', null, h('a', { href: `#/fleets/${encodeURIComponent(fleet.name)}`, text: fleet.name })),
        h('p', { class: 'muted' }, plural(fleet.deviceCount || 0, 'device'), fleet.production ? ' · production' : ''),
        summaryView(fleet),
        h('dl', { class: 'facts' },
          h('dt', { text: 'Release' }),
          h('dd', null, fleet.targetRelease
            ? [h('a', { href: `#/releases/${encodeURIComponent(fleet.targetRelease)}`, class: 'mono', text: shortId(fleet.targetRelease) }),
              fleet.trackedRelease ? ' (pinned)' : ' (latest)']
            : h('span', { class: 'muted', text: 'none yet' })),
          h('dt', { text: 'On it' }),
          h('dd', { 'data-testid': 'on-target', text: fleet.targetRelease ? `${(summary.onTarget || 0).toLocaleString()} of ${(fleet.deviceCount || 0).toLocaleString()}` : '—' }),
          h('dt', { text: 'Created' }),
          h('dd', null, timeEl(fleet.createdAt))));
    }));
  }

  await load();
  onDispose(follow({}, (changes) => {
    if (changes.fleet || changes.device || changes.release || changes.reconnected) return load();
    return undefined;
  }));
}
