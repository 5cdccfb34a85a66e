// VMs: every VM on chain with state and region, each one's integrity verdict; the selected VM's audit trail.
import { get } from "../api.js";
import { badge, el, short, table, when } from "../format.js";
import { section } from "../ui.js";

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
