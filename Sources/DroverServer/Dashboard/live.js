// Live updates: one Server-Sent Events stream per page. Events only say what changed; the
// page refetches that, coalesced to at most one refetch per `delay` ms (trailing edge, and
// longer when the last refetch took longer), never more than one at a time.
//
// A tab that stays hidden closes its stream, and opens it again (reloading what it shows)
// when it is seen: a browser holds at most six connections to one server over HTTP/1.1, all
// tabs together, so streams of forgotten tabs would otherwise stall every other request.

const kinds = ['device', 'release', 'fleet', 'env', 'logs', 'metrics', 'audit'];
const HIDDEN_GRACE_MS = 10000;

/**
 * Opens `/v1/events` with `params` (`{fleet}` or `{device}` or nothing) and calls
 * `refresh(changes)` where `changes` maps each kind seen to the list of event bodies.
 * After a lost or paused stream comes back, `refresh` gets `{reconnected: [true]}` so that
 * the page reloads everything (events were missed meanwhile). Returns a function that closes it.
 */
export function follow(params, refresh, { delay = 300 } = {}) {
  const query = new URLSearchParams(params || {}).toString();
  let source = null;
  let pending = null;
  let timer = null;
  let running = false;
  let closed = false;
  let lostOnce = false;
  let gap = delay;
  let hiddenTimer = null;

  const run = async () => {
    timer = null;
    if (closed || !pending) return;
    if (running) { schedule(); return; }
    const changes = pending;
    pending = null;
    running = true;
    const began = performance.now();
    try { await refresh(changes); } catch (error) { console.warn('refresh failed', error); }
    // A busy server answers slowly; waiting as long as the last refresh took before the next
    // keeps a storm of changes from holding it busy on this tab's behalf.
    gap = Math.max(delay, performance.now() - began);
    running = false;
  };
  const schedule = () => { if (!timer) timer = setTimeout(run, gap); };
  const note = (kind, body) => {
    pending = pending || {};
    (pending[kind] = pending[kind] || []).push(body);
    schedule();
  };

  const open = () => {
    source = new EventSource(`/v1/events${query ? `?${query}` : ''}`);
    for (const kind of kinds) {
      source.addEventListener(kind, (event) => {
        let body = {};
        try { body = JSON.parse(event.data || '{}'); } catch { /* an event without a body still says what changed */ }
        note(kind, body);
      });
    }
    source.addEventListener('error', () => { lostOnce = true; });
    source.addEventListener('open', () => {
      if (lostOnce) note('reconnected', true);
      lostOnce = false;
    });
  };
  const pause = () => {
    if (source) { source.close(); source = null; }
  };
  const onVisibility = () => {
    clearTimeout(hiddenTimer);
    if (document.hidden) {
      hiddenTimer = setTimeout(pause, HIDDEN_GRACE_MS);
    } else if (!source && !closed) {
      lostOnce = true;
      open();
    }
  };

  open();
  document.addEventListener('visibilitychange', onVisibility);
  document.documentElement.dataset.live = 'on';
  return () => {
    closed = true;
    clearTimeout(timer);
    clearTimeout(hiddenTimer);
    document.removeEventListener('visibilitychange', onVisibility);
    pause();
  };
}
