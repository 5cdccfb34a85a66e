// Market: spot prices over time (a uPlot chart of every buy and sell on the bonding curve), prices now, pool
// reserves, open orders, and a buy with the API key.
import uPlot from "../../vendor/uPlot.esm.js";
import { get, post } from "../api.js";
import { approx, el, short, table, toBaseUnits, units } from "../format.js";
import { problemText, section, toast } from "../ui.js";

const RESOURCES = ["CPU", "MEM", "STO", "NET"];
const COLORS = { CPU: "#4fa3ff", MEM: "#3fb37f", STO: "#e0a63a", NET: "#c77dff" };

/** Step series per resource on one time axis: each resource's price holds until its next trade. */
function series(history) {
  const times = [...new Set([...history.points.map((p) => p.timestamp), history.now.timestamp])].sort((a, b) => a - b);
  const ys = {};
  for (const r of RESOURCES) {
    const own = history.points.filter((p) => p.resource === r);
    const nowPrice = history.now.prices.find((p) => p.resource === r);
    let i = 0;
    let last = own.length ? null : approx(nowPrice.spot_price_wei);
    ys[r] = times.map((t) => {
      while (i < own.length && own[i].timestamp <= t) last = approx(own[i++].spot_price_wei);
      return t === history.now.timestamp && nowPrice ? approx(nowPrice.spot_price_wei) : last;
    });
  }
  return [times, ...RESOURCES.map((r) => ys[r])];
}

export function mount(root) {
  root.append(el("h1", {}, "Resource market"));
  const chartBox = el("div", { class: "chart", id: "price-chart" });
  root.append(el("h2", {}, "Spot price over time (ETH per whole token)"), chartBox);
  const prices = section(root, "Prices now", { id: "price-table" });
  const pools = section(root, "Liquidity pools (against the native coin)", { id: "pool-table" });
  const orders = section(root, "Open sell orders", { id: "order-table" });

  const amount = el("input", { id: "buy-amount", value: "1", size: 8, inputmode: "decimal" });
  const resource = el("select", { id: "buy-resource" }, RESOURCES.map((r) => el("option", { value: r, selected: r === "MEM" }, r)));
  const quote = el("span", { id: "buy-quote", class: "muted" });
  const result = el("div", { id: "buy-result" });
  const form = el("form", { class: "inline", id: "buy-form" }, el("label", {}, "Buy"), amount, resource,
    el("button", { type: "button", id: "quote-button", onclick: () => doQuote() }, "Quote"),
    el("button", { type: "submit", id: "buy-button" }, "Buy with API key"), quote);
  root.append(el("h2", {}, "Buy on the curve"), el("div", { class: "panel" }, form, result));

  let plot = null;
  const width = () => Math.max(320, chartBox.clientWidth - 20);
  const onResize = () => plot && plot.setSize({ width: width(), height: 300 });
  window.addEventListener("resize", onResize);

  async function doQuote() {
    try {
      const base = toBaseUnits(amount.value);
      const q = await get(`/market/quote?resource=${resource.value}&amount=${base}&side=buy`);
      quote.textContent = `costs ${units(q.wei, 18, 8)} ETH`;
      quote.dataset.quote = JSON.stringify(q);
    } catch (err) {
      quote.textContent = problemText(err);
    }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("#buy-button");
    button.disabled = true;
    try {
      const base = toBaseUnits(amount.value); // digits only: safe to put into the JSON text as a number
      const body = `{"resource": ${JSON.stringify(resource.value)}, "amount": ${base}}`;
      const bought = await post("/market/buy", body);
      result.replaceChildren(el("p", { class: "ok", id: "buy-done" }, `Bought ${units(base)} ${resource.value}`,
        bought.tx ? ` (tx ${short(bought.tx.tx_hash, 8)}, block ${bought.tx.block})` : ""));
      toast(`Bought ${units(base)} ${resource.value}`);
    } catch (err) {
      result.replaceChildren(el("p", { class: "error", id: "buy-error" }, problemText(err)));
      toast(problemText(err), true);
    } finally {
      button.disabled = false;
    }
  });

  async function update() {
    const [history, now, poolList, book] = await Promise.all([
      get("/market/history"), get("/market/prices"),
      Promise.all(RESOURCES.map((r) => get(`/pools/${r}`).catch((err) => ({ asset: r, error: err.message })))),
      get("/orders"),
    ]);
    const data = series(history);
    if (plot) plot.setData(data);
    else {
      plot = new uPlot({
        width: width(), height: 300,
        scales: { x: { time: true }, y: { distr: 3 } }, // a log scale: the four curves' prices differ 100-fold
        axes: [{ stroke: "#8a97a6", grid: { stroke: "#2a3541" } }, { stroke: "#8a97a6", grid: { stroke: "#2a3541" },
          size: 80, values: (u, ticks) => ticks.map((v) => (v == null ? "" : v.toPrecision(2))) }],
        series: [{}, ...RESOURCES.map((r) => ({ label: r, stroke: COLORS[r], width: 2, paths: uPlot.paths.stepped({ align: 1 }),
          value: (u, v) => (v == null ? "—" : v.toPrecision(4)) }))],
      }, data, chartBox);
    }
    chartBox.dataset.points = String(history.points.length);
    prices.replaceChildren(table(
      [{ title: "resource" }, { title: "unit" }, { title: "spot price (ETH)", num: true },
        { title: "base price (ETH)", num: true }, { title: "reserve (tokens)", num: true }],
      now.prices.map((p) => [p.resource, p.unit, units(p.spot_price_wei, 18, 8), units(p.base_price_wei, 18, 8),
        units(p.reserve, 18, 2)]),
    ));
    pools.replaceChildren(table(
      [{ title: "pool" }, { title: "address" }, { title: "token reserve", num: true },
        { title: "native reserve (ETH)", num: true }, { title: "shares", num: true }],
      poolList.map((p) => p.error ? [p.asset, el("span", { class: "muted" }, p.error), "", "", ""]
        : [`${p.asset}/${p.other}`, el("code", { title: p.pool }, short(p.pool)), units(p.reserve, 18, 4),
          units(p.other_reserve, 18, 4), units(p.total_shares, 18, 4)]),
    ));
    orders.replaceChildren(table(
      [{ title: "id", num: true }, { title: "resource" }, { title: "seller" }, { title: "amount", num: true },
        { title: "price (ETH/token)", num: true }],
      book.orders.map((o) => [String(o.order_id ?? o.id), o.resource, el("code", {}, short(o.seller)),
        units(o.amount ?? o.remaining ?? "0"), units(o.price_wei ?? o.price ?? "0", 18, 8)]),
      "no open order",
    ));
  }

  return {
    update,
    dispose: () => {
      window.removeEventListener("resize", onResize);
      plot?.destroy();
    },
  };
}
