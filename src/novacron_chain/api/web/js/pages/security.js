// Security: every contract of the deployment, pausable or not, paused or not, who administers and guards it, and
// its audit verdict on demand (GET /security/audit/{contract}: one contract per click, since the server audits one
// call at a time and a whole deployment takes seconds).
import { get } from "../api.js";
import { badge, card, el, short, table } from "../format.js";
import { problemText, section } from "../ui.js";

const VERDICT = { pass: "ok", warn: "warn", fail: "bad" };

export function mount(root) {
  root.append(el("h1", {}, "Security"));
  const summary = section(root, "Pause state", { class: "cards", id: "security-cards" });
  const list = section(root, "Contracts", { id: "security-table" });
  const audits = new Map(); // contract name -> its audit (kept across live updates)

  function verdict(report) {
    const top = report.reasons.find((r) => r.level !== "info") || report.reasons[0];
    return el("span", { class: "audit-verdict", "data-verdict": report.verdict, title: report.reasons.map((r) => r.message).join("\n") },
      badge(report.verdict, VERDICT[report.verdict] ?? ""), top ? el("span", { class: "muted" }, ` ${top.message}`) : null,
      report.slither_findings.length ? el("span", { class: "muted" }, ` · ${report.slither_findings.length} static-analysis findings`) : null);
  }

  function auditCell(name) {
    if (audits.has(name)) return verdict(audits.get(name));
    const button = el("button", { type: "button", class: "audit-button", "data-contract": name }, "Audit");
    // a live update may have redrawn the table while the audit ran: the answer goes to the row shown now
    const current = () => list.querySelector(`button.audit-button[data-contract="${CSS.escape(name)}"]`) || button;
    button.addEventListener("click", async () => {
      button.disabled = true;
      button.textContent = "auditing…";
      try {
        audits.set(name, await get(`/security/audit/${encodeURIComponent(name)}`));
        current().replaceWith(verdict(audits.get(name)));
      } catch (err) {
        current().replaceWith(el("span", { class: "error" }, problemText(err)));
      }
    });
    return button;
  }

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
      [{ title: "contract" }, { title: "address" }, { title: "state" }, { title: "admins" }, { title: "guardians" },
        { title: "audit" }],
      contracts.map((c) => [c.name, el("code", { title: c.address }, short(c.address)),
        !c.pausable ? badge("not pausable") : c.paused ? badge("PAUSED", "bad") : badge("running", "ok"),
        who(c.admins), who(c.guardians), auditCell(c.name)]),
      "nothing deployed",
      (i) => ({ "data-contract": contracts[i].name, "data-paused": String(contracts[i].paused) }),
    ));
  }

  return { update };
}
