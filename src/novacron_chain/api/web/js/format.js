// Formatting and DOM helpers. Amounts stay exact: strings of base units handled with BigInt, never floats (except
// for the chart's y values, which are only drawn).

/** Build an element: el("td", {class: "num"}, "text", child, ...). Text is set as text, never parsed as HTML. */
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "dataset") Object.assign(node.dataset, v);
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (k === "style") node.setAttribute("style", v);
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

/** A table: columns [{title, num?}], rows of cells (nodes or text); an "empty" line when there are none. */
export function table(columns, rows, emptyText = "nothing yet", rowAttrs = () => ({})) {
  const head = el("thead", {}, el("tr", {}, columns.map((c) => el("th", { class: c.num ? "num" : "" }, c.title))));
  const body = el("tbody", {});
  if (!rows.length) {
    body.append(el("tr", {}, el("td", { class: "empty", colspan: columns.length }, emptyText)));
  }
  rows.forEach((cells, i) => {
    body.append(el("tr", rowAttrs(i), cells.map((c, j) => el("td", { class: columns[j].num ? "num" : "" }, c))));
  });
  return el("table", {}, head, body);
}

export function card(key, value, sub, attrs = {}) {
  return el("div", { class: "card", ...attrs }, el("div", { class: "k" }, key), el("div", { class: "v" }, value),
    sub ? el("div", { class: "s" }, sub) : null);
}

export function badge(text, kind = "") {
  return el("span", { class: `badge ${kind}` }, text);
}

/** "1234500000000000000" base units (18 decimals) -> "1.2345"; exact, grouped, at most `places` decimals. */
export function units(value, decimals = 18, places = 4) {
  let v = BigInt(value ?? 0);
  const neg = v < 0n;
  if (neg) v = -v;
  const base = 10n ** BigInt(decimals);
  const whole = (v / base).toLocaleString("en-US");
  let frac = (v % base).toString().padStart(decimals, "0").slice(0, places).replace(/0+$/, "");
  return `${neg ? "-" : ""}${whole}${frac ? "." + frac : ""}`;
}

/** "1.5" whole tokens -> "1500000000000000000" base units (exact); throws on anything that is not a decimal. */
export function toBaseUnits(text, decimals = 18) {
  const t = String(text).trim();
  if (!/^\d+(\.\d+)?$/.test(t)) throw new Error(`not an amount: ${JSON.stringify(t)}`);
  const [w, f = ""] = t.split(".");
  if (f.length > decimals) throw new Error(`at most ${decimals} decimals`);
  return (BigInt(w) * 10n ** BigInt(decimals) + BigInt(f.padEnd(decimals, "0") || "0")).toString();
}

/** Base units as a float of whole tokens, for charts only. */
export function approx(value, decimals = 18) {
  return Number(BigInt(value)) / 10 ** decimals;
}

export function short(hex, keep = 6) {
  const s = String(hex ?? "");
  return s.length > 2 * keep + 3 ? `${s.slice(0, keep + 2)}…${s.slice(-keep + 2)}` : s;
}

export function when(seconds) {
  if (!seconds) return "—";
  return new Date(seconds * 1000).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
}

/** A duration in seconds as "2d 03h 04m 05s". */
export function span(seconds) {
  let s = Math.max(0, Math.floor(seconds));
  const d = Math.floor(s / 86400); s -= d * 86400;
  const h = Math.floor(s / 3600); s -= h * 3600;
  const m = Math.floor(s / 60); s -= m * 60;
  const p = (n) => String(n).padStart(2, "0");
  return d ? `${d}d ${p(h)}h ${p(m)}m ${p(s)}s` : h ? `${h}h ${p(m)}m ${p(s)}s` : `${m}m ${p(s)}s`;
}

export function pct(fraction) {
  return `${(100 * fraction).toFixed(1)}%`;
}

export function progress(fraction, kind = "") {
  const w = Math.max(0, Math.min(1, fraction));
  return el("div", { class: `bar ${kind}`, title: pct(fraction) }, el("span", { style: `width:${(w * 100).toFixed(1)}%` }));
}
