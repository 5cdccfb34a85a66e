// The dashboard: a hash router over page modules. A page's mount(root) builds its layout once and returns
// {update, dispose}; update() (re)loads its data and runs on entry and again after each new block (debounced), so
// forms keep what the user typed while the figures stay live.

import { apiKey, setApiKey, whoami } from "./api.js";
import { el } from "./format.js";
import { onBlock, startLive } from "./live.js";
import { toast } from "./ui.js";

const PAGES = {
  overview: () => import("./pages/overview.js"),
  vms: () => import("./pages/vms.js"),
  market: () => import("./pages/market.js"),
  staking: () => import("./pages/staking.js"),
  governance: () => import("./pages/governance.js"),
  identity: () => import("./pages/identity.js"),
  consensus: () => import("./pages/consensus.js"),
  bridge: () => import("./pages/bridge.js"),
  l2: () => import("./pages/l2.js"),
  security: () => import("./pages/security.js"),
};

const view = document.getElementById("view");
let current = null; // {name, page, update, dispose}
let generation = 0;
let pending = null;
let running = null;

async function runUpdate(state) {
  if (running) {
    pending = state;
    return;
  }
  running = (async () => {
    try {
      await state.update();
      view.dataset.loaded = state.name;
      view.dataset.updates = String(Number(view.dataset.updates || 0) + 1);
    } catch (err) {
      view.dataset.loaded = state.name;
      state.root.prepend(el("p", { class: "error", role: "alert" }, `Could not load: ${err.message}`,
        err.hint ? ` — ${err.hint}` : ""));
    }
  })();
  await running;
  running = null;
  if (pending) {
    const next = pending;
    pending = null;
    if (next === current) await runUpdate(next);
  }
}

async function route() {
  const name = (location.hash.replace(/^#\/?/, "").split("/")[0] || "overview").toLowerCase();
  const key = name in PAGES ? name : "overview";
  const mine = ++generation;
  current?.dispose?.();
  current = null;
  for (const a of document.querySelectorAll("#nav a")) a.classList.toggle("active", a.hash === `#/${key}`);
  view.replaceChildren();
  delete view.dataset.loaded;
  view.dataset.page = key;
  const module = await PAGES[key]();
  if (mine !== generation) return;
  const root = el("section", { class: `page page-${key}` });
  view.append(root);
  const handle = module.mount(root);
  current = { name: key, root, update: handle.update, dispose: handle.dispose };
  await runUpdate(current);
}

let debounce = null;
onBlock(() => {
  clearTimeout(debounce);
  debounce = setTimeout(() => current && runUpdate(current), 300);
});

function keyForm() {
  const form = document.getElementById("key-form");
  const input = document.getElementById("api-key");
  const status = document.getElementById("key-status");
  const show = async () => {
    const key = apiKey();
    if (!key) {
      status.textContent = "read-only";
      return;
    }
    try {
      const who = await whoami(key);
      status.textContent = `${who.scope} (${who.subject})`;
    } catch (err) {
      status.textContent = "key refused";
      toast(`API key refused: ${err.message}`, true);
    }
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    setApiKey(input.value.trim());
    input.value = "";
    show();
  });
  show();
}

startLive(document.getElementById("live"), document.getElementById("live-text"));
keyForm();
window.addEventListener("hashchange", route);
route();
