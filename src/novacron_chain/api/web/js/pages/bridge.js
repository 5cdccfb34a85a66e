// Bridge transfers and atomic swaps, as both chains see them.
import { get } from "../api.js";
import { badge, el, short, table, units } from "../format.js";
import { section } from "../ui.js";

const STATE = { delivered: "ok", released: "ok", claimed: "ok", initiated: "info", delayed: "warn", locked: "info",
  refunded: "bad", cancelled: "bad", expired: "bad" };

export function mount(root) {
  root.append(el("h1", {}, "Bridge and swaps"));
  const transfers = section(root, "Bridge transfers", { id: "transfer-table" });
  const swaps = section(root, "Atomic swaps of the server's account", { id: "swap-table" });

  async function update() {
    const [t, s] = await Promise.all([get("/bridge/transfers"), get("/swaps")]);
    transfers.replaceChildren(table(
      [{ title: "transfer" }, { title: "route" }, { title: "amount", num: true }, { title: "recipient" },
        { title: "state" }, { title: "attestations", num: true }],
      t.transfers.map((x) => [x.id, `${x.source} → ${x.target}`, units(x.amount),
        el("code", { title: x.recipient }, short(x.recipient)),
        badge(String(x.state), STATE[String(x.state).toLowerCase()] ?? ""), `${x.signatures ?? 0}/${x.threshold ?? "?"}`]),
      "no bridge transfer",
    ));
    swaps.replaceChildren(table(
      [{ title: "swap" }, { title: "chains" }, { title: "phase" }, { title: "initiator lock" },
        { title: "participant lock" }, { title: "secret known" }],
      s.swaps.map((x) => [el("code", { title: x.swap_id }, short(x.swap_id, 8)),
        `${x.initiator_chain} ↔ ${x.participant_chain}`, badge(String(x.phase)),
        x.initiator_lock ? String(x.initiator_lock.state ?? "locked") : "—",
        x.participant_lock ? String(x.participant_lock.state ?? "locked") : "—", x.secret_known ? "yes" : "no"]),
      "no atomic swap",
    ));
  }

  return { update };
}
