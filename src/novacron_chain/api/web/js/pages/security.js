// Security: every contract of the deployment, pausable or not, paused or not, and who administers and guards it.
import { get } from "../api.js";
import { badge, card, el, short, table } from "../format.js";
import { section } from "../ui.js";

export function mount(root) {
  root.append(el("h1", {}, "Security"));
  const summary = section(root, "Pause state", { class: "cards", id: "security-cards" });
  const list = section(root, "Contracts", { id: "security-table" });

  async function update() {
    const { contracts } = await get("/security/status");
    const paused = contracts.filter((c) => c.paused);
    summary.replaceChildren(
      card("Contracts", String(contracts.length), `${contracts.filter((c) => c.pausable).length} pausable`),
      card("Paused", String(paused.length), paused.length ? paused.map((c) => c.name).join(", ") : "none",
        { id: "paused-count" }),
    );
    const who = (list) => list.map((a) => a.name || a.label || short(a.address)).join(", ") || "—";
    list.replaceChildren(table(
      [{ title: "contract" }, { title: "address" }, { title: "state" }, { title: "admins" }, { title: "guardians" }],
      contracts.map((c) => [c.name, el("code", { title: c.address }, short(c.address)),
        !c.pausable ? badge("not pausable") : c.paused ? badge("PAUSED", "bad") : badge("running", "ok"),
        who(c.admins), who(c.guardians)]),
      "nothing deployed",
      (i) => ({ "data-contract": contracts[i].name, "data-paused": String(contracts[i].paused) }),
    ));
  }

  return { update };
}
