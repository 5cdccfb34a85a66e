// Live updates: one EventSource on /events/blocks for the whole page. Each new block goes to every subscriber and
// into the header's indicator; EventSource reconnects by itself (resuming after Last-Event-ID).

const subscribers = new Set();
export const recent = []; // the newest blocks first, at most 20
let source = null;

export function onBlock(fn) {
  subscribers.add(fn);
  return () => subscribers.delete(fn);
}

export function startLive(indicator, text) {
  // a page left (another page loaded, the tab in the back/forward cache) closes its stream: browsers allow only six
  // HTTP/1.1 connections per server, and a stream kept open would hold one
  window.addEventListener("pagehide", () => {
    source?.close();
    source = null;
  });
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) open(indicator, text);
  });
  open(indicator, text);
}

function open(indicator, text) {
  if (source) return;
  const last = recent[0]?.number;
  source = new EventSource(last === undefined ? "/events/blocks" : `/events/blocks?from_block=${last}`);
  source.addEventListener("open", () => {
    indicator.className = "live on";
    if (!recent.length) text.textContent = "live";
  });
  source.addEventListener("error", () => {
    indicator.className = "live off";
    text.textContent = "reconnecting…";
  });
  source.addEventListener("block", (event) => {
    const block = JSON.parse(event.data);
    recent.unshift(block);
    recent.length = Math.min(recent.length, 20);
    indicator.className = "live on";
    text.textContent = `block ${block.number}`;
    indicator.dataset.block = String(block.number);
    for (const fn of subscribers) fn(block);
  });
}
