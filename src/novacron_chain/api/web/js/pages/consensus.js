// Validators and checkpoints: the proof-of-stake set (bonded stake, status) and each domain's final checkpoints.
import { get } from "../api.js";
import { badge, card, el, short, table, units, when } from "../format.js";
import { section } from "../ui.js";

const DOMAINS = ["state", "l2", "bridge"];
const STATUS = { active: "ok", jailed: "bad", tombstoned: "bad", unbonding: "warn", pending: "info" };

export function mount(root) {
  root.append(el("h1", {}, "Validators and checkpoints"));
  const status = section(root, "Consensus", { class: "cards", id: "consensus-cards" });
  const validators = section(root, "Validators", { id: "validator-table" });
  const checkpoints = section(root, "Final checkpoints", { id: "checkpoint-table" });

  async function update() {
    const [st, vs, ...cps] = await Promise.all([
      get("/consensus/status"), get("/validators"), ...DOMAINS.map((d) => get(`/checkpoints/${d}`)),
    ]);
    status.replaceChildren(
      card("Epoch", String(st.epoch), `next at ${when(st.next_epoch_at)}`),
      card("Active validators", String(st.active_validators), `${st.validators} registered`),
      card("Stake this epoch", units(st.total_stake, 18, 0), "NOVA bonded"),
      st.under_decentralised ? card("Warning", "under-decentralised", st.warning) : null,
    );
    validators.replaceChildren(table(
      [{ title: "#", num: true }, { title: "owner" }, { title: "BLS key" }, { title: "bonded", num: true },
        { title: "weight", num: true }, { title: "status" }],
      vs.validators.map((v) => [String(v.index), el("code", {}, short(v.owner)), el("code", {}, short(v.pubkey, 8)),
        units(v.bonded, 18, 0), units(v.weight, 18, 0), badge(v.status, STATUS[v.status] ?? "")]),
      "no validator registered",
    ));
    const rows = cps.flatMap((c, i) => c.checkpoints.map((k) => [DOMAINS[i], String(k.height),
      el("code", { title: k.root }, short(k.root, 8)), String(k.epoch),
      `${units(k.signed_stake, 18, 0)} / ${units(k.total_stake, 18, 0)}`, String(k.non_signers.length),
      when(k.submitted_at), String(k.block ?? "—")]));
    checkpoints.replaceChildren(table(
      [{ title: "domain" }, { title: "height", num: true }, { title: "root" }, { title: "epoch", num: true },
        { title: "signed / total stake", num: true }, { title: "non-signers", num: true }, { title: "submitted" },
        { title: "block", num: true }],
      rows, "no final checkpoint yet",
    ));
  }

  return { update };
}
