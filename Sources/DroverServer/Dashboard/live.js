// Live updates: one Server-Sent Events stream per page. Events only say what changed; the
// page refetches that, coalesced to at most one refetch per `delay` ms (trailing edge, and
// longer when the last refetch took longer), never more than one at a time.

const kinds = ['device', 'release', 'fleet', 'env', 'logs', 'metrics', 'audit'];

/**
 * Opens `/v1/events` with `params` (`{fleet}` or `{device}` or nothing) and calls
 * `refresh(changes)` where `changes` maps each kind seen to the list of event bodies.
 * After a lost stream comes back, `refresh` gets `{reconnected: true}` so that the page
 * reloads everything (events were missed meanwhile). Returns a function that closes it.
 */
export function follow(params, refresh, { delay = 300 } = {}) {
  const query = new URLSearchParams(params || {}).toString();
  const source = new EventSource(`/v1/events${query ? `?${query}` : ''}`);
  let pending = null;
  let timer = null;
  let running = false;
  let closed = false;
  let lostOnce = false;

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
  let gap = delay;
  const schedule = () => { if (!timer) timer = setTimeout(run, gap); };
  const note = (kind, body) => {
    pending = pending || {};
    (pending[kind] = pending[kind] || []).push(body);
    schedule();
  };

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
  document.documentElement.dataset.live = 'on';
  return () => {
    closed = true;
    clearTimeout(timer);
    source.close();
  };
}
