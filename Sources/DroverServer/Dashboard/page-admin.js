// The organisation's pages: the audit log, members and roles, your API tokens, and webhooks
// with their deliveries. Each shows only what the person may use.

import { get, post, put, del, qs, seg } from './api.js';
import {
  h, fill, section, empty, errorBanner, timeEl, field, select, table, attempt, statusBadge,
  formDialog, confirmDialog, secretDialog, debounce,
} from './ui.js';
import { follow } from './live.js';

const roles = ['owner', 'admin', 'operator', 'developer', 'viewer'];

export async function render(context) {
  const page = { audit, members, tokens, webhooks }[context.params[0]];
  return page(context);
}

function pageHead(text, note) {
  return h('div', { class: 'page-head' }, h('h1', { text }), note ? h('p', { class: 'muted', text: note }) : null);
}

// ---- Audit log
async function audit({ root, can, onDispose, isCurrent, title }) {
  title('Audit log');
  if (!can('read-audit')) { fill(root, pageHead('Audit log'), empty('Your role does not read the audit log.')); return; }
  const user = h('input', { name: 'user', autocomplete: 'off', placeholder: 'any' });
  const fleet = h('input', { name: 'fleet', autocomplete: 'off', placeholder: 'any' });
  const action = h('input', { name: 'action', autocomplete: 'off', placeholder: 'e.g. createRelease', list: 'audit-actions' });
  const since = select([['', 'any time'], ['1h', 'last hour'], ['24h', 'last 24 hours'], ['168h', 'last 7 days']], { name: 'since' });
  const body = h('div', { 'data-testid': 'audit-table' });
  const more = h('div');
  let before = null;
  let entries = [];
  const sinceValue = () => {
    const hours = { '1h': 1, '24h': 24, '168h': 168 }[since.value];
    return hours ? new Date(Date.now() - hours * 3600000).toISOString() : '';
  };
  const query = (extra) => qs({ user: user.value.trim(), fleet: fleet.value.trim(), action: action.value.trim(), since: sinceValue(), limit: 100, ...extra });
  async function load() {
    let page;
    try { page = await get(`/audit${query()}`); } catch (error) {
      if (isCurrent()) fill(body, errorBanner(error, load));
      return;
    }
    if (!isCurrent()) return;
    entries = page;
    before = page.length === 100 ? page[page.length - 1].id : null;
    show();
  }
  async function loadMore() {
    let page;
    try { page = await get(`/audit${query({ before })}`); } catch (error) { fill(more, errorBanner(error, loadMore)); return; }
    entries = entries.concat(page);
    before = page.length === 100 ? page[page.length - 1].id : null;
    show();
  }
  function show() {
    fill(body, entries.length ? table([
      { label: 'When', cell: (e) => timeEl(e.at) },
      { label: 'Who', header: true, cell: (e) => h('span', null, e.actor, e.token ? h('span', { class: 'muted', text: ` (token ${e.token})` }) : null) },
      { label: 'Action', cell: (e) => h('span', { class: 'mono', text: e.action }) },
      { label: 'Target', cell: (e) => h('span', { class: 'mono small', text: e.target }) },
      { label: 'Fleet', cell: (e) => e.fleet || '—' },
      { label: 'Address', class: 'col-hidden-narrow', cell: (e) => e.address || '—' },
      { label: 'Result', cell: (e) => (e.result === 'ok' ? statusBadge('ok') : h('span', { class: 'reason', text: `${e.status} ${e.result}` })) },
    ], entries, { caption: 'Audit entries', rowAttrs: (e) => ({ 'data-action': e.action }) }) : empty('No entries match — widen the filters. Every change, session and login is recorded here.'));
    fill(more, before ? h('button', { type: 'button', class: 'btn-secondary', text: 'Older entries', onclick: loadMore }) : null);
  }
  const reload = debounce(load, 300);
  const form = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter the audit log', oninput: reload, onsubmit: (e) => { e.preventDefault(); load(); } },
    field('User', user), field('Fleet', fleet), field('Action', action), field('Since', since),
    h('datalist', { id: 'audit-actions' }, ['createRelease', 'updateFleet', 'setEnv', 'removeEnv', 'actOnDevice', 'updateDevice', 'setTags', 'session.terminal', 'login', 'login.failed', 'createUser', 'createToken'].map((a) => h('option', { value: a }))));
  since.addEventListener('change', load);
  fill(root, pageHead('Audit log', 'Every change, terminal session and login in the fleets you see, newest first; kept 90 days.'), section('Entries', {}, form, body, more));
  await load();
  onDispose(follow({}, (changes) => (changes.audit || changes.reconnected ? load() : undefined)));
}

// ---- Members and roles
async function members({ root, can, me, isCurrent, title }) {
  title('Members');
  const manage = can('manage-members');
  const body = h('div', { 'data-testid': 'members-table' });
  let fleets = [];
  async function load() {
    let users;
    try { [users, fleets] = await Promise.all([get('/users'), get('/fleets')]); } catch (error) {
      if (isCurrent()) fill(body, errorBanner(error, load));
      return;
    }
    if (!isCurrent()) return;
    fill(body, table([
      { label: 'Name', header: true, cell: (u) => h('span', null, u.name, u.name === me.user.name ? h('span', { class: 'muted', text: ' (you)' }) : null) },
      { label: 'Role', cell: (u) => (manage && u.name !== me.user.name
        ? select([['', 'no organisation role'], ...roles], { 'aria-label': `Organisation role of ${u.name}`, 'data-testid': 'role-select',
          onchange: async (event) => {
            await attempt(() => put(`/users/${seg(u.name)}/roles`, { role: event.target.value || null }), `${u.name} is now ${event.target.value || 'without an organisation role'}`);
            await load();
          } }, u.role || '')
        : (u.role || h('span', { class: 'muted', text: 'none' }))) },
      { label: 'Fleet roles', cell: (u) => {
        const entries = Object.entries(u.fleetRoles || {});
        return entries.length ? h('ul', { class: 'chips' }, entries.map(([f, r]) => h('li', { class: 'chip' }, `${f}: ${r}`,
          manage && u.name !== me.user.name ? h('button', { type: 'button', class: 'chip-x', 'aria-label': `Remove ${u.name}'s role in ${f}`, text: '×',
            onclick: async () => { await attempt(() => put(`/users/${seg(u.name)}/roles`, { role: null, fleet: f }), 'Fleet role removed'); await load(); } }) : null)))
          : h('span', { class: 'muted', text: '—' });
      } },
      { label: 'State', cell: (u) => (u.invited ? h('span', { class: 'badge badge-busy', text: 'invited' }) : 'active') },
      { label: 'Added', cell: (u) => timeEl(u.createdAt) },
      ...(manage ? [{ label: 'Actions', cell: (u) => (u.name === me.user.name ? '' : h('span', { class: 'row-actions' },
        h('button', { type: 'button', class: 'btn-secondary btn-small', 'aria-label': `Give ${u.name} a fleet role`, text: 'Fleet role…', onclick: async () => {
          if (!fleets.length) return;
          const values = await formDialog({ title: `A fleet role for ${u.name}`, text: 'A role in one fleet overrides the organisation role there.',
            fields: [{ name: 'fleet', label: 'Fleet', type: 'select', options: fleets.map((f) => f.name) }, { name: 'role', label: 'Role', type: 'select', options: roles, value: 'viewer' }] });
          if (!values) return;
          await attempt(() => put(`/users/${seg(u.name)}/roles`, { role: values.role, fleet: values.fleet }), `${u.name} is ${values.role} in ${values.fleet}`);
          await load();
        } }),
        h('button', { type: 'button', class: 'btn-danger btn-small', 'aria-label': `Remove ${u.name}`, text: 'Remove', onclick: async () => {
          if (!await confirmDialog({ title: `Remove ${u.name}`, text: 'Their tokens and sessions stop working at once.', confirm: 'Remove', danger: true })) return;
          await attempt(() => del(`/users/${seg(u.name)}`), `${u.name} removed`);
          await load();
        } }))) }] : []),
    ], users, { caption: 'Members', rowAttrs: (u) => ({ 'data-user': u.name }) }));
  }
  let createSection = null;
  if (manage) {
    const name = h('input', { name: 'name', required: true, autocomplete: 'off' });
    const role = select(roles, { name: 'role' }, 'viewer');
    const form = h('form', { class: 'inline-form', 'data-testid': 'create-user' }, field('Name', name), field('Role', role),
      h('button', { type: 'submit', class: 'btn-primary', text: 'Invite member' }));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const created = await attempt(() => post('/users', { name: name.value.trim(), role: role.value }));
      if (!created) return;
      name.value = '';
      if (created.invitation) {
        await secretDialog({ title: `Invitation for ${created.user.name}`, secret: created.invitation,
          text: 'Send it to them: it is shown only this once and is valid for 7 days. They set their password with:',
          extra: `drover login --server ${location.origin} --user ${created.user.name} --invite ${created.invitation}` });
      }
      await load();
    });
    createSection = section('Invite a member', {}, form);
  }
  fill(root, pageHead('Members and roles'), section('Members', {}, body), createSection);
  await load();
}

// ---- API tokens
async function tokens({ root, can, isCurrent, title }) {
  title('API tokens');
  const body = h('div', { 'data-testid': 'tokens-table' });
  async function load() {
    let list;
    try { list = await get('/tokens'); } catch (error) {
      if (isCurrent()) fill(body, errorBanner(error, load));
      return;
    }
    if (!isCurrent()) return;
    fill(body, list.length ? table([
      { label: 'Name', header: true, cell: (t) => t.name },
      { label: 'Starts with', cell: (t) => h('span', { class: 'mono', text: `${t.prefix}…` }) },
      { label: 'Fleet', cell: (t) => t.fleet || 'all' },
      { label: 'Role', cell: (t) => t.role || 'yours' },
      { label: 'Expires', cell: (t) => timeEl(t.expiresAt, 'never') },
      { label: 'Created', cell: (t) => timeEl(t.createdAt) },
      { label: 'Actions', cell: (t) => h('button', { type: 'button', class: 'btn-danger btn-small', 'aria-label': `Revoke token ${t.name}`, text: 'Revoke', onclick: async () => {
        if (!await confirmDialog({ title: `Revoke ${t.name}`, text: 'Whatever uses it stops working at once.', confirm: 'Revoke', danger: true })) return;
        await attempt(() => del(`/tokens/${seg(t.id)}`), 'Token revoked');
        await load();
      } }) },
    ], list, { caption: 'Your tokens' }) : empty('No API tokens yet — create one for a script or CI job below.'));
  }
  let fleets = [];
  try { fleets = await get('/fleets'); } catch { /* the form offers "all fleets" only */ }
  const name = h('input', { name: 'name', required: true, autocomplete: 'off', placeholder: 'ci' });
  const fleet = select([['', 'all fleets'], ...fleets.map((f) => f.name)], { name: 'fleet' });
  const role = select([['', 'your role'], ...roles], { name: 'role' });
  const expires = select([['', 'never'], ['86400', '1 day'], ['2592000', '30 days'], ['7776000', '90 days'], ['31536000', '1 year']], { name: 'expires' }, '7776000');
  const form = h('form', { class: 'inline-form', 'data-testid': 'create-token' }, field('Name', name), field('Fleet', fleet), field('At most role', role), field('Expires in', expires),
    h('button', { type: 'submit', class: 'btn-primary', text: 'Create token' }));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const bodyJSON = { name: name.value.trim(), fleet: fleet.value || undefined, role: role.value || undefined, expiresIn: expires.value ? Number(expires.value) : undefined };
    const created = await attempt(() => post('/tokens', bodyJSON));
    if (!created) return;
    name.value = '';
    await secretDialog({ title: `Token ${created.info.name}`, secret: created.token, text: 'Copy it now: it is shown only this once.',
      extra: `DROVER_SERVER=${location.origin} DROVER_TOKEN=${created.token} drover device list` });
    await load();
  });
  fill(root, pageHead('API tokens', 'Tokens act with your roles, optionally narrowed to one fleet and a lower role.'),
    section('Your tokens', {}, body), can('own-tokens') ? section('Create a token', {}, form) : null);
  await load();
}

// ---- Webhooks
async function webhooks({ root, can, isCurrent, title }) {
  title('Webhooks');
  const manage = can('manage-webhooks');
  const body = h('div', { 'data-testid': 'webhooks-table' });
  const deliveries = h('div');
  async function showDeliveries(hook) {
    let list;
    try { list = await get(`/webhooks/${seg(hook.id)}/deliveries`); } catch (error) { fill(deliveries, errorBanner(error)); return; }
    fill(deliveries, section(`Deliveries to ${hook.url}`, { actions: h('button', { type: 'button', class: 'btn-secondary btn-small', text: 'Refresh', onclick: () => showDeliveries(hook) }) },
      list.length ? table([
        { label: 'Event', header: true, cell: (d) => h('span', { class: 'mono', text: d.event }) },
        { label: 'Status', cell: (d) => statusBadge(d.status) },
        { label: 'Attempts', class: 'num', cell: (d) => String(d.attempts) },
        { label: 'Answer', cell: (d) => (d.lastStatusCode ? String(d.lastStatusCode) : d.lastError ? h('span', { class: 'reason', text: d.lastError }) : '—') },
        { label: 'Latency', class: 'num', cell: (d) => (d.lastLatencyMs !== undefined && d.lastLatencyMs !== null ? `${Math.round(d.lastLatencyMs)} ms` : '—') },
        { label: 'Created', cell: (d) => timeEl(d.createdAt) },
        { label: 'Next try', cell: (d) => (d.status === 'pending' ? timeEl(d.nextAttemptAt, 'soon') : '—') },
      ], list, { caption: 'Deliveries' }) : empty('No deliveries yet — send a test to see one.')));
    deliveries.scrollIntoView({ block: 'nearest' });
  }
  async function load() {
    let list;
    try { list = await get('/webhooks'); } catch (error) {
      if (isCurrent()) fill(body, errorBanner(error, load));
      return;
    }
    if (!isCurrent()) return;
    fill(body, list.length ? table([
      { label: 'URL', header: true, cell: (w) => h('span', { class: 'mono small', text: w.url }) },
      { label: 'Fleet', cell: (w) => w.fleet || 'whole organisation' },
      { label: 'Events', cell: (w) => h('ul', { class: 'chips' }, w.events.map((e) => h('li', { class: 'chip', text: e }))) },
      { label: 'Created', cell: (w) => timeEl(w.createdAt) },
      { label: 'Actions', cell: (w) => h('span', { class: 'row-actions' },
        h('button', { type: 'button', class: 'btn-secondary btn-small', 'aria-label': `Deliveries of ${w.url}`, text: 'Deliveries', onclick: () => showDeliveries(w) }),
        manage ? h('button', { type: 'button', class: 'btn-secondary btn-small', 'aria-label': `Send a test to ${w.url}`, text: 'Test', onclick: async () => {
          if (await attempt(() => post(`/webhooks/${seg(w.id)}/test`), 'Test delivery queued')) await showDeliveries(w);
        } }) : null,
        manage ? h('button', { type: 'button', class: 'btn-danger btn-small', 'aria-label': `Delete webhook ${w.url}`, text: 'Delete', onclick: async () => {
          if (!await confirmDialog({ title: 'Delete webhook', text: `Stop telling ${w.url}; its pending deliveries are dropped.`, confirm: 'Delete', danger: true })) return;
          await attempt(() => del(`/webhooks/${seg(w.id)}`), 'Webhook deleted');
          fill(deliveries);
          await load();
        } }) : null) },
    ], list, { caption: 'Webhooks' }) : empty(manage ? 'No webhooks yet — add one below to have Drover POST events (a release created, a device rolled back…) to your URL.' : 'No webhooks.'));
  }
  let createSection = null;
  if (manage) {
    const events = ['device.enrolled', 'device.online', 'device.offline', 'device.rolled_back', 'release.created', 'release.failing', 'release.completed'];
    let fleets = [];
    try { fleets = await get('/fleets'); } catch { /* organisation-wide only */ }
    const url = h('input', { type: 'url', name: 'url', required: true, placeholder: 'https://example.org/hook' });
    const fleet = select([['', 'whole organisation'], ...fleets.map((f) => f.name)], { name: 'fleet' });
    const boxes = events.map((e) => h('input', { type: 'checkbox', name: 'events', value: e, id: `hook-${e.replace(/[^a-z]/g, '-')}`, checked: e.startsWith('release') || e === 'device.rolled_back' }));
    const form = h('form', { class: 'inline-form', 'data-testid': 'create-webhook' },
      field('URL', url), field('Fleet', fleet),
      h('fieldset', { class: 'checks' }, h('legend', { text: 'Events' }), boxes.map((box) => h('span', { class: 'field-check' }, box, h('label', { for: box.id, text: box.value })))),
      h('button', { type: 'submit', class: 'btn-primary', text: 'Create webhook' }));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const chosen = boxes.filter((b) => b.checked).map((b) => b.value);
      const created = await attempt(() => post('/webhooks', { url: url.value.trim(), events: chosen, fleet: fleet.value || undefined }));
      if (!created) return;
      url.value = '';
      if (created.secret) {
        await secretDialog({ title: 'Webhook secret', secret: created.secret, text: 'Deliveries are signed with this secret (Drover-Signature: t=…,v1=HMAC-SHA256 of "t.body"). It is shown only this once.' });
      }
      await load();
    });
    createSection = section('Create a webhook', {}, form);
  }
  fill(root, pageHead('Webhooks', 'Drover POSTs signed JSON to these URLs when something happens in a fleet.'), section('Webhooks', {}, body), deliveries, createSection);
  await load();
}
