// Building blocks of every page: an element builder that never parses HTML, relative times,
// tables, dialogs, toasts, empty states and error banners.

/**
 * Creates an element. `attrs`: `class`, `text`, `for`, `on<event>` (a function), boolean
 * properties (`checked`, `disabled`, `selected`, `hidden`, `open`), `value`, and any other
 * attribute by name. Children are nodes, strings (text), arrays, or null/false (skipped).
 */
export function h(tag, attrs, ...children) {
  const element = tag.startsWith('svg:')
    ? document.createElementNS('http://www.w3.org/2000/svg', tag.slice(4))
    : document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') element.setAttribute('class', Array.isArray(value) ? value.filter(Boolean).join(' ') : value);
    else if (key === 'text') element.textContent = String(value);
    else if (key === 'for') element.htmlFor = value;
    else if (key.startsWith('on') && typeof value === 'function') element.addEventListener(key.slice(2), value);
    else if (['checked', 'disabled', 'selected', 'hidden', 'open', 'required', 'multiple', 'readOnly'].includes(key)) element[key] = Boolean(value);
    else if (key === 'value') element.value = value;
    else if (key === 'style') throw new Error('inline styles break the CSP; use a class');
    else element.setAttribute(key, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

function append(parent, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces an element's children. */
export function fill(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

let idCounter = 0;
/** A unique id for label/control pairs. */
export const uid = (prefix = 'f') => `${prefix}-${++idCounter}`;

// ---- Times

const units = [['year', 31536000], ['month', 2592000], ['week', 604800], ['day', 86400], ['hour', 3600], ['min', 60], ['s', 1]];

/** "3 min ago" / "in 2 h" for a date. */
function relative(date, now = Date.now()) {
  const seconds = Math.round((now - date.getTime()) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 10) return 'just now';
  for (const [name, size] of units) {
    if (abs >= size) {
      const count = Math.floor(abs / size);
      const word = name === 's' ? 's' : name === 'min' ? ' min' : ` ${name}${count === 1 ? '' : 's'}`;
      return seconds >= 0 ? `${count}${word} ago` : `in ${count}${word}`;
    }
  }
  return 'just now';
}

/** Parses an API time: ISO 8601 text or seconds since 1970. */
function toDate(value) {
  if (value === null || value === undefined || value === '') return null;
  const date = typeof value === 'number' ? new Date(value * 1000) : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** A <time> showing a relative time, with the absolute ISO time as its title. */
export function timeEl(value, fallback = '—') {
  const date = toDate(value);
  if (!date) return h('span', { class: 'muted', text: fallback });
  const iso = date.toISOString();
  return h('time', { datetime: iso, title: iso, text: relative(date) });
}

// Relative times age in place; this touches only the DOM, never the server.
setInterval(() => {
  for (const element of document.querySelectorAll('time[datetime]')) {
    const date = new Date(element.getAttribute('datetime'));
    if (!Number.isNaN(date.getTime())) element.textContent = relative(date);
  }
}, 30000);

// ---- Formatting

export function bytes(value) {
  if (value === null || value === undefined) return '—';
  const unitsB = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let size = Number(value);
  let index = 0;
  while (size >= 1024 && index < unitsB.length - 1) { size /= 1024; index += 1; }
  return `${size >= 10 || index === 0 ? Math.round(size) : size.toFixed(1)} ${unitsB[index]}`;
}

export const shortId = (id) => (id ? String(id).slice(0, 7) : '');
export const plural = (count, word, many = `${word}s`) => `${count.toLocaleString()} ${count === 1 ? word : many}`;

/** A status word as a badge; the class says its colour group. */
export function statusBadge(status) {
  const group = {
    running: 'ok', idle: 'ok', healthy: 'ok', ready: 'ok', delivered: 'ok', online: 'ok',
    provisioned: 'busy', downloading: 'busy', installing: 'busy', pending: 'busy', 'update pending': 'busy', started: 'busy', starting: 'busy', created: 'busy', restarting: 'busy',
    failed: 'bad', 'rolled-back': 'bad', failing: 'bad', unhealthy: 'bad', dead: 'bad', exited: 'bad',
    offline: 'off', paused: 'off', removing: 'off',
  }[status] || 'off';
  return h('span', { class: ['badge', `badge-${group}`], 'data-status': status, text: status });
}

// ---- Page furniture

/** A section with a heading and optional actions beside it. */
export function section(title, { id, actions, level = 'h2' } = {}, ...body) {
  const headingId = uid('h');
  return h('section', { class: 'card', id, 'aria-labelledby': headingId },
    h('div', { class: 'card-head' }, h(level, { id: headingId, text: title }), actions ? h('div', { class: 'card-actions' }, actions) : null),
    ...body);
}

/** An empty state: what is missing and what to do next. */
export function empty(text, ...more) {
  return h('div', { class: 'empty', 'data-testid': 'empty' }, h('p', { text }), ...more);
}

/** An error banner for a failed load; the API's message is its text. */
export function errorBanner(error, retry) {
  return h('div', { class: 'banner banner-error', role: 'alert', 'data-testid': 'error' },
    h('span', { text: messageOf(error) }),
    retry ? h('button', { type: 'button', class: 'btn-small', onclick: retry, text: 'Try again' }) : null);
}

export const messageOf = (error) => (error && error.message) || String(error);

/** A small notice that fades; `kind` is ok or error. Errors stay until dismissed. */
export function toast(text, kind = 'ok') {
  const box = document.getElementById('toasts');
  const item = h('div', { class: ['toast', `toast-${kind}`], 'data-testid': kind === 'error' ? 'toast-error' : 'toast' },
    h('span', { text }),
    h('button', { type: 'button', class: 'btn-icon', 'aria-label': 'Dismiss', text: '×', onclick: () => item.remove() }));
  box.append(item);
  if (kind !== 'error') setTimeout(() => item.remove(), 5000);
}

/** Runs an action, reporting its API error as a toast; resolves to its result or undefined. */
export async function attempt(action, success) {
  try {
    const result = await action();
    if (success) toast(success);
    return result;
  } catch (error) {
    toast(messageOf(error), 'error');
    return undefined;
  }
}

/** A labelled form field. `control` is an input/select; the label is tied to it by id. */
export function field(label, control, hint) {
  if (!control.id) control.id = uid();
  return h('div', { class: 'field' }, h('label', { for: control.id, text: label }), control, hint ? h('small', { class: 'muted', text: hint }) : null);
}

/** A <select> from [value, label] pairs (or plain values). */
export function select(options, attrs = {}, current) {
  return h('select', attrs, options.map((option) => {
    const [value, label] = Array.isArray(option) ? option : [option, option];
    return h('option', { value, selected: current !== undefined && String(current) === String(value), text: label });
  }));
}

/** A table; `columns`: [{label, cell: row => node|string, class?, sort?}]. */
export function table(columns, rows, { caption, rowAttrs, sort, onSort, className } = {}) {
  const head = h('tr', null, columns.map((column) => {
    if (!column.sort || !onSort) return h('th', { scope: 'col', class: column.class }, column.labelNode || column.label);
    const active = sort && sort.key === column.sort;
    const ariaSort = active ? (sort.order === 'desc' ? 'descending' : 'ascending') : 'none';
    return h('th', { scope: 'col', class: column.class, 'aria-sort': ariaSort },
      h('button', { type: 'button', class: 'sort', 'data-sort': column.sort, onclick: () => onSort(column.sort) },
        column.label, h('span', { class: 'sort-mark', 'aria-hidden': 'true', text: active ? (sort.order === 'desc' ? ' ▼' : ' ▲') : '' })));
  }));
  const body = h('tbody', null, rows.map((row) => h('tr', rowAttrs ? rowAttrs(row) : null,
    columns.map((column) => h(column.header ? 'th' : 'td', { class: column.class, scope: column.header ? 'row' : undefined }, column.cell(row))))));
  return h('div', { class: 'table-wrap' },
    h('table', { class: className }, caption ? h('caption', { class: 'sr-only', text: caption }) : null, h('thead', null, head), body));
}

// ---- Dialogs

/**
 * Asks to confirm an action in a modal <dialog>. Resolves true when confirmed.
 * `danger` colours the confirm button.
 */
export function confirmDialog({ title, text, confirm = 'Confirm', danger = false }) {
  return formDialog({ title, text, fields: [], submit: confirm, danger }).then((values) => values !== null);
}

/**
 * A modal form. `fields`: [{name, label, type ('text'|'number'|'select'|'checkbox'|'textarea'),
 * options, value, required, hint}]. Resolves to {name: value} or null when cancelled.
 */
export function formDialog({ title, text, fields = [], submit = 'Save', danger = false }) {
  return new Promise((resolve) => {
    const titleId = uid('dlg');
    const controls = {};
    const form = h('form', { method: 'dialog', class: 'dialog-form' },
      h('h2', { id: titleId, text: title }),
      text ? h('p', { text }) : null,
      fields.map((spec) => {
        let control;
        if (spec.type === 'select') control = select(spec.options, { name: spec.name, required: spec.required }, spec.value);
        // No spellchecking or autofill: a value may be a secret, and a spellchecker may send it away.
        else if (spec.type === 'textarea') control = h('textarea', { name: spec.name, rows: 4, required: spec.required, value: spec.value ?? '', spellcheck: 'false', autocomplete: 'off' });
        else if (spec.type === 'checkbox') control = h('input', { type: 'checkbox', name: spec.name, checked: spec.value });
        else control = h('input', { type: spec.type || 'text', name: spec.name, required: spec.required, value: spec.value ?? '', step: spec.step, min: spec.min, max: spec.max, placeholder: spec.placeholder, autocomplete: 'off' });
        controls[spec.name] = control;
        return field(spec.label, control, spec.hint);
      }),
      h('div', { class: 'dialog-buttons' },
        h('button', { type: 'button', class: 'btn-secondary', value: 'cancel', 'data-testid': 'dialog-cancel', onclick: () => dialog.close('cancel'), text: 'Cancel' }),
        h('button', { type: 'submit', class: danger ? 'btn-danger' : 'btn-primary', value: 'ok', 'data-testid': 'dialog-confirm', text: submit })));
    const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': titleId }, form);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      dialog.close('ok');
    });
    dialog.addEventListener('close', () => {
      const values = {};
      for (const [name, control] of Object.entries(controls)) values[name] = control.type === 'checkbox' ? control.checked : control.value;
      dialog.remove();
      resolve(dialog.returnValue === 'ok' ? values : null);
    });
    document.body.append(dialog);
    dialog.showModal();
    const first = form.querySelector('input, select, textarea');
    (first || form.querySelector('[data-testid=dialog-confirm]')).focus();
  });
}

/** Shows a secret once, with a copy button; it is gone when the dialog closes. */
export function secretDialog({ title, text, secret, extra }) {
  return new Promise((resolve) => {
    const titleId = uid('dlg');
    const output = h('output', { class: 'secret', 'data-testid': 'secret', text: secret });
    const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': titleId },
      h('h2', { id: titleId, text: title }),
      h('p', { text }),
      output,
      extra ? h('pre', { class: 'code', text: extra }) : null,
      h('div', { class: 'dialog-buttons' },
        h('button', { type: 'button', class: 'btn-secondary', text: 'Copy', onclick: () => {
          navigator.clipboard?.writeText(secret).then(() => toast('Copied'), () => toast('Select the text and copy it', 'error'));
        } }),
        h('button', { type: 'button', class: 'btn-primary', 'data-testid': 'dialog-confirm', text: 'Done', onclick: () => dialog.close() })));
    dialog.addEventListener('close', () => { dialog.remove(); resolve(); });
    document.body.append(dialog);
    dialog.showModal();
  });
}

/** Debounces a function (trailing edge). */
export function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

/** Runs `fn` over items with at most `limit` at a time; resolves to [{item, ok, error}]. */
export async function eachLimited(items, limit, fn) {
  const results = [];
  let next = 0;
  async function worker() {
    while (next < items.length) {
      const item = items[next++];
      try { await fn(item); results.push({ item, ok: true }); } catch (error) { results.push({ item, ok: false, error }); }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
