// Layer 2: the rollup's TPS (the sequencer's soft confirmations) and the batches it posted to L1, or why it is off.
import { get } from "../api.js";
import { badge, card, el, short, span, table, units, when } from "../format.js";
import { section } from "../ui.js";

export function mount(root) {
  root.append(el("h1", {}, "Layer 2"));
  const status = section(root, "Rollup", { class: "cards", id: "l2-cards" });
  const batches = section(root, "Batches on L1 (newest first)", { id: "l2-batch-list" });
  const checkpoints = section(root, "Final L2 checkpoints", { id: "l2-checkpoints" });
  const raw = el("pre", { class: "json", id: "l2-raw" });
  root.append(el("h2", {}, "Sequencer status"), raw);

  async function update() {
    const [st, cps, bl] = await Promise.all([get("/l2/status"), get("/checkpoints/l2"), get("/l2/batches?limit=20")]);
    if (!st.enabled) {
      status.replaceChildren(card("Layer 2", "off", `${st.message} — ${st.hint}`, { id: "l2-off" }));
    } else {
      const seq = st.sequencer || {};
      status.replaceChildren(
        card("TPS", seq.error ? "—" : Number(seq.tps || 0).toFixed(1), seq.error || "soft confirmations per second",
          { id: "l2-tps" }),
        card("Batches on L1", String(st.l1.batches), short(st.l1.rollup), { id: "l2-batches" }),
        card("Challenge period", span(st.l1.challenge_period), `bond ${units(st.l1.min_bond, 18, 2)} ETH`),
        card("Network", String(st.network), String(st.endpoint ?? "")),
      );
    }
    batches.replaceChildren(table(
      [{ title: "batch", num: true }, { title: "state root" }, { title: "segments", num: true },
        { title: "queue end", num: true }, { title: "proposer" }, { title: "L1 block", num: true }, { title: "posted" },
        { title: "status" }],
      bl.batches.map((b) => [String(b.index), el("code", { title: b.post_root }, short(b.post_root, 8)),
        String(b.segments ?? "—"), String(b.queue_end), el("code", { title: b.proposer }, short(b.proposer)),
        el("span", { title: b.l1_tx ?? "" }, String(b.l1_block)), when(b.timestamp),
        b.final ? badge("final", "ok") : badge("challengeable", "warn")]),
      bl.deployed ? "no batch posted yet" : "the rollup is not deployed on this chain",
      () => ({ class: "l2-batch" }),
    ));
    raw.textContent = JSON.stringify(st, null, 2);
    checkpoints.replaceChildren(table(
      [{ title: "height", num: true }, { title: "root" }, { title: "epoch", num: true }, { title: "submitted" }],
      cps.checkpoints.map((k) => [String(k.height), el("code", { title: k.root }, short(k.root, 8)), String(k.epoch),
        when(k.submitted_at)]),
      "no final L2 checkpoint",
    ));
  }

  return { update };
}
