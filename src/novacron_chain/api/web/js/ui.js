// Shared page pieces: the toast, problem rendering, and the countdowns that tick between updates.
import { el, span } from "./format.js";

let toastTimer = null;

/** Show a short message (an error in red) in the corner for a few seconds. */
export function toast(message, bad = false) {
  const box = document.getElementById("toast");
  box.textContent = message;
  box.className = bad ? "toast bad" : "toast";
  box.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (box.hidden = true), 6000);
}

/** A problem (ApiProblem) as text: the message and the hint. */
export function problemText(err) {
  return err.hint ? `${err.message} — ${err.hint}` : err.message;
}

/** A section with a heading and a body that update() replaces. */
export function section(root, title, attrs = {}) {
  const body = el("div", attrs);
  root.append(el("h2", {}, title), body);
  return body;
}

/**
 * Countdowns against the chain's clock: elements with data-deadline (chain seconds) show the time left, from the
 * chain time read at `clock` and the wall time since. Returns a stop function.
 */
export function ticker(root, getClock) {
  const tick = () => {
    const clock = getClock();
    if (!clock) return;
    const now = clock.chain + (Date.now() - clock.at) / 1000;
    for (const node of root.querySelectorAll("[data-deadline]")) {
      const left = Number(node.dataset.deadline) - now;
      node.textContent = left > 0 ? `${node.dataset.label} ${span(left)}` : node.dataset.done;
    }
  };
  const id = setInterval(tick, 1000);
  tick();
  return { tick, stop: () => clearInterval(id) };
}
