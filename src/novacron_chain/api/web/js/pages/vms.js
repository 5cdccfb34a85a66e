// VMs: every VM on chain with state and region, each one's integrity verdict; the selected VM's audit trail, and its
// compliance report on request (issued by the server as the operator's DID with the API key, then checked).
import { get, post } from "../api.js";
import { badge, el, short, table, when } from "../format.js";
import { problemText, section } from "../ui.js";

const VERDICT = { valid: "ok", pending: "warn", tampered: "bad", missing: "bad" };
const STATE = { RUNNING: "ok", STOPPED: "", STARTING: "info", MIGRATING: "warn", TERMINATED: "bad" };

export function mount(root) {
  root.append(el("h1", {}, "Virtual machines"));
  const list = section(root, "VMs on chain", { id: "vm-table" });
  const lookup = el("form", { class: "inline", id: "vm-lookup" },
    el("label", { for: "vm-id" }, "VM id"), el("input", { id: "vm-id", placeholder: "vm-12345", size: 24 }),
    el("button", { type: "submit" }, "Show audit trail"));
  root.append(el("h2", {}, "Audit trail"), lookup);
  const detail = el("div", { id: "vm-detail" });
  root.append(detail);
  let selected = null;
  const reports = new Map(); // VM id -> {report, check} or {error} (kept across live updates)

  function reportBox(vmId) {
    const box = el("div", { class: "panel report-box", id: "vm-report", "data-vm": vmId, style: "margin-top:10px" });
    const got = reports.get(vmId);
    if (!got) {
      const button = el("button", { type: "button", id: "report-button" }, "Compliance report (API key)");
      button.addEventListener("click", async () => {
        button.disabled = true;
        try {
          const report = await post(`/state/vms/${encodeURIComponent(vmId)}/report`, "{}");
          const check = await post("/state/reports/check", JSON.stringify({ jwt: report.report }));
          reports.set(vmId, { report, check });
        } catch (err) {
          reports.set(vmId, { error: problemText(err) });
        }
        document.getElementById("vm-report")?.replaceWith(reportBox(vmId));
      });
      box.append(button, el("span", { class: "muted" }, "  a vc+jwt over the audit trail that anyone can verify offline",
        " (novacron-chain state check-report, or POST /state/reports/check)"));
      return box;
    }
    if (got.error) {
      reports.delete(vmId); // the next update offers the button again
      box.append(el("p", { class: "error", id: "report-error" }, got.error));
      return box;
    }
    const { report, check } = got;
    const failed = check.checks.filter((c) => c.status === "failed");
    got.url ??= URL.createObjectURL(new Blob([report.report], { type: "application/jwt" }));
    const url = got.url;
    box.append(
      el("p", {}, "compliance report: ", badge(check.status, check.valid ? "ok" : "bad"), " ",
        el("span", { class: "muted", id: "report-summary" }, `${report.records} records, issued by ${report.issuer}`),
        " · ", el("a", { href: url, download: `${vmId}-report.jwt` }, "download vc+jwt")),
      el("p", { class: "muted" }, check.reason),
      el("ul", {}, failed.map((c) => el("li", { class: "error" },
        `${c.check}${c.seq === null ? "" : ` #${c.seq}`}: ${c.reason}`))),
      el("textarea", { readonly: true, id: "report-token", rows: 3 }, report.report),
    );
    return box;
  }

  async function showTrail(vmId) {
    selected = vmId;
    const [history, verdict] = await Promise.all([
      get(`/state/vms/${encodeURIComponent(vmId)}/history`), get(`/state/vms/${encodeURIComponent(vmId)}/verify`),
    ]);
    const kind = VERDICT[verdict.status] || "";
    detail.replaceChildren(
      el("p", {}, el("b", {}, vmId), " integrity: ", badge(verdict.status, kind),
        el("span", { class: "muted" }, `  ${verdict.records.length} records checked against the anchored roots`,
          verdict.reason ? ` — ${verdict.reason}` : "")),
      table(
        [{ title: "seq", num: true }, { title: "state" }, { title: "region" }, { title: "cpu", num: true },
          { title: "mem MB", num: true }, { title: "batch", num: true }, { title: "block", num: true },
          { title: "anchored" }, { title: "CID" }],
        history.records.map((r) => [String(r.seq), r.record.state, r.record.region, String(r.record.cpu_allocation),
          String(r.record.memory_allocation), String(r.batch_id), String(r.block ?? "—"), when(r.anchored_at),
          el("code", { title: r.cid }, short(r.cid, 8))]),
        "no anchored record of this VM",
      ),
      ...(history.records.length ? [reportBox(vmId)] : []),
    );
    detail.dataset.vm = vmId;
    for (const tr of list.querySelectorAll("tr[data-vm]")) tr.classList.toggle("selected", tr.dataset.vm === vmId);
  }

  lookup.addEventListener("submit", (event) => {
    event.preventDefault();
    const id = lookup.querySelector("input").value.trim();
    if (id) showTrail(id).catch((err) => detail.replaceChildren(el("p", { class: "error" }, err.message)));
  });

  async function update() {
    const { vms } = await get("/vms");
    const verdicts = await Promise.all(vms.map((v) => get(`/state/vms/${encodeURIComponent(v.name)}/verify`)));
    list.replaceChildren(table(
      [{ title: "name" }, { title: "state" }, { title: "region" }, { title: "vCPU", num: true },
        { title: "memory MB", num: true }, { title: "owner" }, { title: "created" }, { title: "integrity" },
        { title: "migration" }],
      vms.map((v, i) => [v.name, badge(v.state, STATE[v.state]), v.region, String(v.cpu), String(v.memory_mb),
        el("code", { title: v.owner }, short(v.owner)), when(v.created_at),
        badge(verdicts[i].status, VERDICT[verdicts[i].status] || ""),
        v.migration ? `#${v.migration.nonce} → ${v.migration.target_region} (${v.migration.open ? "open" : "done"})`
          : "—"]),
      "no VM created yet",
      (i) => ({ class: "selectable", "data-vm": vms[i].name, onclick: () => showTrail(vms[i].name) }),
    ));
    const target = selected || vms[0]?.name;
    if (target) await showTrail(target);
  }

  return { update };
}
