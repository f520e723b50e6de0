// The dashboard's shell: who is logged in and what they may do, the navigation, the hash
// router, and the login page. Each page is a module loaded when first visited.

import { get, post, setCsrf, onUnauthorized, ApiError } from './api.js';
import { h, fill, field, errorBanner, messageOf, toast } from './ui.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const who = document.getElementById('who');

/** The logged-in person: `GET /v1/me`, with a Set of permissions. */
let me = null;
let disposePage = null;
let renderSerial = 0;

const can = (permission) => Boolean(me && me.permissionSet.has(permission));

const routes = [
  [/^#\/fleets\/?$/, 'fleets', () => import('./page-fleets.js')],
  [/^#\/fleets\/([^/]+)$/, 'fleets', () => import('./page-fleet.js')],
  [/^#\/devices\/([^/]+)$/, 'fleets', () => import('./page-device.js')],
  [/^#\/releases\/([^/]+)$/, 'fleets', () => import('./page-release.js')],
  [/^#\/(audit)$/, 'audit', () => import('./page-admin.js')],
  [/^#\/(members)$/, 'members', () => import('./page-admin.js')],
  [/^#\/(tokens)$/, 'tokens', () => import('./page-admin.js')],
  [/^#\/(webhooks)$/, 'webhooks', () => import('./page-admin.js')],
];

function navLinks() {
  const links = [['#/fleets', 'Fleets', 'fleets', 'read']];
  links.push(['#/audit', 'Audit log', 'audit', 'read-audit']);
  links.push(['#/members', 'Members', 'members', 'read']);
  links.push(['#/tokens', 'API tokens', 'tokens', 'own-tokens']);
  links.push(['#/webhooks', 'Webhooks', 'webhooks', 'read']);
  return links.filter(([, , , permission]) => can(permission));
}

function renderChrome(section) {
  if (!me) {
    fill(nav);
    fill(who);
    return;
  }
  fill(nav, h('ul', null, navLinks().map(([href, label, key]) =>
    h('li', null, h('a', { href, 'aria-current': key === section ? 'page' : undefined, text: label })))));
  fill(who,
    h('span', { class: 'who-name', 'data-testid': 'whoami', text: me.user.name }),
    me.user.role ? h('span', { class: 'muted who-role', text: me.user.role }) : null,
    h('button', { type: 'button', class: 'btn-secondary btn-small', 'data-testid': 'logout', text: 'Log out', onclick: logout }));
}

// Whether this browser logged in before: without it the first page is the login form, and no
// request is made that can only answer 401 (the session cookie is HttpOnly, so it cannot be read).
const SESSION_HINT = 'drover.session';
const hinted = () => { try { return localStorage.getItem(SESSION_HINT) === '1'; } catch { return true; } };
const hint = (on) => { try { if (on) localStorage.setItem(SESSION_HINT, '1'); else localStorage.removeItem(SESSION_HINT); } catch { /* private mode */ } };

async function loadMe() {
  if (!hinted()) return false;
  try {
    const answer = await get('/me', { quiet401: true });
    me = { ...answer, permissionSet: new Set(answer.permissions || []) };
    if (answer.csrf) setCsrf(answer.csrf);
    return true;
  } catch (error) {
    me = null;
    if (error instanceof ApiError && error.status === 401) { hint(false); return false; }
    throw error;
  }
}

async function logout() {
  try { await post('/logout'); } catch { /* the session may be gone already */ }
  me = null;
  setCsrf('');
  hint(false);
  location.hash = '#/login';
}

onUnauthorized(() => {
  if (!me) return;
  me = null;
  setCsrf('');
  hint(false);
  toast('Your session ended; log in again.', 'error');
  location.hash = `#/login?next=${encodeURIComponent(location.hash)}`;
});

function loginPage(next) {
  renderChrome();
  document.title = 'Log in · Drover';
  const status = h('div', { 'aria-live': 'assertive' });
  const username = h('input', { name: 'username', id: 'login-username', autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false' });
  const password = h('input', { name: 'password', id: 'login-password', type: 'password', autocomplete: 'current-password', required: true });
  const submit = h('button', { type: 'submit', class: 'btn-primary', 'data-testid': 'login-submit', text: 'Log in' });
  const form = h('form', { class: 'login', method: 'post', action: '#/login', 'data-testid': 'login-form' },
    h('h1', { text: 'Log in to Drover' }),
    status,
    field('User name', username),
    field('Password', password),
    submit,
    h('p', { class: 'muted', text: 'No password yet? Take your invitation with drover login --user NAME --invite TOKEN, or ask an admin.' }));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    submit.disabled = true;
    fill(status);
    try {
      const session = await post('/login', { username: username.value, password: password.value }, { quiet401: true });
      setCsrf(session.csrf);
      hint(true);
      await loadMe();
      if (!me) throw new Error('The session was not accepted; does the browser take cookies from this server?');
      location.hash = next && next.startsWith('#/') && !next.startsWith('#/login') ? next : '#/fleets';
    } catch (error) {
      fill(status, errorBanner(error));
      submit.disabled = false;
      password.select();
    }
  });
  fill(main, form);
  username.focus();
}

async function route() {
  const serial = ++renderSerial;
  if (disposePage) {
    try { disposePage(); } catch (error) { console.warn(error); }
    disposePage = null;
  }
  const hash = location.hash || '#/fleets';
  if (hash.startsWith('#/login')) {
    const next = new URLSearchParams(hash.split('?')[1] || '').get('next');
    if (me) { location.hash = next || '#/fleets'; return; }
    loginPage(next);
    return;
  }
  if (!me) {
    let known;
    try { known = await loadMe(); } catch (error) {
      fill(main, errorBanner(error, route));
      return;
    }
    if (serial !== renderSerial) return;
    if (!known) { location.hash = `#/login?next=${encodeURIComponent(hash)}`; return; }
  }
  const found = routes.find(([pattern]) => pattern.test(hash));
  if (!found) { location.hash = '#/fleets'; return; }
  const [pattern, section, load] = found;
  const params = hash.match(pattern).slice(1).map(decodeURIComponent);
  renderChrome(section);
  const container = h('div', { class: 'page' });
  fill(main, container);
  const cleanups = [];
  disposePage = () => cleanups.forEach((fn) => fn());
  try {
    const module = await load();
    if (serial !== renderSerial) return;
    await module.render({
      root: container, me, can, params, section,
      onDispose: (fn) => cleanups.push(fn),
      isCurrent: () => serial === renderSerial,
      title: (text) => { document.title = `${text} · Drover`; },
    });
    if (serial === renderSerial) container.dataset.ready = 'true';
  } catch (error) {
    if (serial !== renderSerial) return;
    console.warn(error);
    fill(container, errorBanner(error, route));
  }
}

document.querySelector('.skip').addEventListener('click', (event) => {
  event.preventDefault();
  main.focus();
});
window.addEventListener('hashchange', route);
route().catch((error) => fill(main, h('p', { text: messageOf(error) })));
