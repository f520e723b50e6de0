// A fleet's own secrets and configs: names, sizes and dates (a secret's value is never shown
// once stored), a dialog to store one, and removal. Releases name them with `external: true`.

import { get, put, del, seg } from './api.js';
import { h, fill, empty, errorBanner, timeEl, bytes, table, attempt, formDialog, confirmDialog } from './ui.js';

// Base64 of a text as UTF-8 bytes (the API takes any bytes).
function base64(text) {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/// The section's body and its loader, for the fleet page.
export function filesSection(fleet, can, isCurrent) {
  const body = h('div');
  async function load() {
    let secrets;
    let configs;
    try {
      [secrets, configs] = await Promise.all([get(`/fleets/${seg(fleet.name)}/secrets`), get(`/fleets/${seg(fleet.name)}/configs`)]);
    } catch (error) {
      if (isCurrent()) fill(body, errorBanner(error, load));
      return;
    }
    if (!isCurrent()) return;
    const writable = can('manage-fleet');
    const rows = [...secrets, ...configs].sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
    fill(body,
      rows.length ? table([
        { label: 'Name', header: true, cell: (f) => h('span', { class: 'mono', text: f.name }) },
        { label: 'Kind', cell: (f) => f.kind },
        { label: 'Size', class: 'num', cell: (f) => bytes(f.size) },
        { label: 'Updated', cell: (f) => timeEl(f.updatedAt) },
        ...(writable ? [{ label: 'Actions', cell: (f) => h('span', { class: 'row-actions' },
          h('button', { type: 'button', class: 'btn-secondary btn-small', 'aria-label': `Replace ${f.kind} ${f.name}`, text: 'Replace', onclick: () => store(f) }),
          h('button', { type: 'button', class: 'btn-danger btn-small', 'aria-label': `Delete ${f.kind} ${f.name}`, text: 'Delete',
            onclick: async () => {
              if (!await confirmDialog({ title: `Delete ${f.kind}`, text: `Remove ${f.name} from ${fleet.name}? Services that mount it wait for it until it is stored again.`, confirm: 'Delete', danger: true })) return;
              await attempt(() => del(`/fleets/${seg(fleet.name)}/${f.kind}s/${seg(f.name)}`), `${f.name} removed`);
              await load();
            } })) }] : []),
      ], rows, { caption: 'Secrets and configs', rowAttrs: (f) => ({ 'data-file': `${f.kind}/${f.name}` }) })
        : empty(writable ? 'No secrets or configs yet. A release names one with external: true; its value is sealed on the server and reaches only devices that mount it.' : 'No secrets or configs.'),
      writable ? h('button', { type: 'button', class: 'btn-primary', 'data-testid': 'add-file', text: 'Add secret or config', onclick: () => store(null) }) : null);
  }
  async function store(current) {
    const values = await formDialog({
      title: current ? `Replace ${current.kind} ${current.name}` : 'Add a secret or config',
      text: 'A secret\'s value is sealed on the server and never shown again; the services that mount it are recreated with the new value.',
      fields: [
        { name: 'kind', label: 'Kind', type: 'select', options: [['secret', 'Secret'], ['config', 'Config']], value: current?.kind ?? 'secret' },
        { name: 'name', label: 'Name', value: current?.name, required: true, placeholder: 'wifi_psk' },
        { name: 'value', label: 'Value', type: 'textarea', required: true },
      ],
      submit: 'Store',
    });
    if (!values) return;
    const name = values.name.trim();
    await attempt(() => put(`/fleets/${seg(fleet.name)}/${values.kind}s/${seg(name)}`, { value: base64(values.value) }), `${name} stored`);
    await load();
  }
  return { body, load };
}
