// A terminal to a service's container or the device's host: xterm.js (loaded only now) over
// the session WebSocket of GET /v1/devices/{id}/session.

import { h } from './ui.js';

let loading = null;

/** Loads xterm.js and its stylesheet once; resolves to the Terminal constructor. */
function loadXterm() {
  if (window.Terminal) return Promise.resolve(window.Terminal);
  if (!loading) {
    loading = new Promise((resolve, reject) => {
      document.head.append(h('link', { rel: 'stylesheet', href: '/ui/vendor/xterm.css' }));
      const script = h('script', { src: '/ui/vendor/xterm.js' });
      script.addEventListener('load', () => (window.Terminal ? resolve(window.Terminal) : reject(new Error('xterm.js loaded but defines no Terminal'))));
      script.addEventListener('error', () => { loading = null; reject(new Error('xterm.js could not be loaded from /ui/vendor/xterm.js')); });
      document.head.append(script);
    });
  }
  return loading;
}

/**
 * Opens a terminal in `mount` to `device`'s `service` (none: the host). `onOpen()` is called
 * when the device first answers, `onEnd(text)` with how it ended. Returns a function that closes it.
 */
export async function openTerminal(mount, { device, service, onOpen, onEnd }) {
  const Terminal = await loadXterm();
  const term = new Terminal({ cursorBlink: true, fontSize: 14, scrollback: 2000 });
  const box = h('div', { class: 'term', 'data-testid': 'terminal' });
  mount.append(box);
  term.open(box);
  box.droverTerminal = term;
  if (typeof term.fit === 'function') { try { term.fit(); } catch { /* not laid out yet */ } }
  term.focus();

  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  const errDecoder = new TextDecoder();
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const socket = new WebSocket(`${scheme}://${location.host}/v1/devices/${encodeURIComponent(device)}/session`);
  socket.binaryType = 'arraybuffer';
  let ended = false;
  const end = (text) => {
    if (ended) return;
    ended = true;
    term.write(`\r\n\x1b[2m[${text}]\x1b[0m\r\n`);
    box.dataset.ended = text;
    if (onEnd) onEnd(text);
  };

  socket.addEventListener('open', () => {
    const open = { kind: 'terminal', tty: true, columns: term.cols, rows: term.rows };
    if (service) open.service = service;
    socket.send(JSON.stringify(open));
    box.dataset.open = 'true';
  });
  let heard = false;
  socket.addEventListener('message', (event) => {
    if (!heard) {
      heard = true;
      if (onOpen) onOpen();
    }
    if (typeof event.data === 'string') {
      let control;
      try { control = JSON.parse(event.data); } catch { return; }
      if (control.end) end(control.end.error ? `ended: ${control.end.error}` : `exited with code ${control.end.exitCode ?? 0}`);
      return;
    }
    const bytes = new Uint8Array(event.data);
    if (!bytes.length) return;
    const text = (bytes[0] === 2 ? errDecoder : decoder).decode(bytes.subarray(1), { stream: true });
    if (text) term.write(text);
  });
  socket.addEventListener('close', (event) => end(event.reason ? `closed: ${event.reason}` : 'connection closed'));
  socket.addEventListener('error', () => end('the session could not be opened'));

  const sendData = (text) => {
    if (socket.readyState !== WebSocket.OPEN || ended) return;
    const bytes = encoder.encode(text);
    const frame = new Uint8Array(bytes.length + 1);
    frame[0] = 1;
    frame.set(bytes, 1);
    socket.send(frame);
  };
  if (typeof term.onData === 'function') term.onData(sendData); else term.on('data', sendData);
  const sendSize = ({ cols, rows }) => {
    if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ columns: cols, rows }));
  };
  if (typeof term.onResize === 'function') term.onResize(sendSize); else term.on('resize', sendSize);
  const refit = () => { if (typeof term.fit === 'function') { try { term.fit(); } catch { /* hidden */ } } };
  window.addEventListener('resize', refit);

  return () => {
    window.removeEventListener('resize', refit);
    if (socket.readyState === WebSocket.OPEN) {
      try { socket.send(JSON.stringify({ eof: true })); } catch { /* closing anyway */ }
    }
    socket.close();
    term.destroy?.();
    box.remove();
  };
}
