// Overview: the chain, the deployment, readiness, and a count from every domain; the newest blocks as they land.
import { get } from "../api.js";
import { badge, card, el, short, units } from "../format.js";
import { onBlock, recent } from "../live.js";
import { section } from "../ui.js";

function mark(name) {
  if (!performance.getEntriesByName(name).length) performance.mark(name);
}

export function mount(root) {
  root.append(el("h1", {}, "Overview"));
  const cards = section(root, "Chain", { class: "cards", id: "overview-cards" });
  const domains = section(root, "Domains", { class: "cards", id: "overview-domains" });
  const feed = el("ul", { class: "feed", id: "block-feed" });
  root.append(el("h2", {}, "Latest blocks (live)"), el("div", { class: "panel" }, feed));

  const drawFeed = () => {
    feed.replaceChildren(...(recent.length ? recent.slice(0, 10).map((b) => el("li", {},
      `#${b.number}  ${short(b.hash, 8)}  ${b.transactions} tx  ${b.gas_used.toLocaleString("en-US")} gas`,
      b.contracts.length ? `  → ${b.contracts.join(", ")}` : "")) : [el("li", { class: "empty" },
      "waiting for the next block…")]));
  };
  drawFeed();
  const unsubscribe = onBlock(drawFeed);

  // /security/status reads every contract's roles (the slowest read, ~0.5 s) and the server runs library calls one
  // at a time: it is asked for after the other figures are drawn (mark "overview-first-render"), and the paused
  // count follows (mark "overview-rendered")
  async function update() {
    const [status, ready, summary, vms, proposals, consensus] = await Promise.all([
      get("/status"), get("/readyz"), get("/state/summary"), get("/vms"), get("/proposals"), get("/consensus/status"),
    ]);
    const codeOk = status.contracts.filter((c) => c.code_matches).length;
    cards.replaceChildren(
      card("Network", status.network, `chain id ${status.chain_id}`),
      card("Block", String(status.block), "latest", { id: "card-block" }),
      card("Account", short(status.account), `${units(status.balance_wei, 18, 2)} ETH`),
      card("Contracts", `${codeOk}/${status.contracts.length}`, "code matches the artifacts"),
      card("Ready", ready.ready ? "yes" : "no",
        Object.entries(ready.checks).map(([k, v]) => `${k} ${v.ok ? "✓" : "✗"}`).join("  ")),
    );
    const active = proposals.proposals.filter((p) => p.state === "Active").length;
    const running = vms.vms.filter((v) => v.state === "RUNNING").length;
    const paused = domains.querySelector("#card-paused") || card("Paused contracts", "…", "reading", { id: "card-paused" });
    domains.replaceChildren(
      card("VMs", String(vms.vms.length), `${running} running`, { id: "card-vms" }),
      card("State records", String(summary.anchored), `${summary.pending} pending, ${summary.batches} batches`),
      card("Proposals", String(proposals.proposals.length), `${active} open for votes`, { id: "card-proposals" }),
      card("Validators", String(consensus.active_validators), `epoch ${consensus.epoch}`),
      paused,
    );
    if (consensus.under_decentralised) domains.append(el("div", { class: "card" }, badge("warning", "warn"), " ",
      consensus.warning));
    mark("overview-first-render");
    const n = (await get("/security/status")).contracts.filter((c) => c.paused).length;
    paused.replaceWith(card("Paused contracts", String(n), n ? "see Security" : "none", { id: "card-paused" }));
    mark("overview-rendered");
  }

  return { update, dispose: unsubscribe };
}
