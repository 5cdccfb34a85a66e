// Identity: the DIDs the registry has seen, revoked credentials, the server account's DAO membership credential;
// resolve a DID and verify a vc+jwt credential (both open: they sign nothing).
import { get, post } from "../api.js";
import { badge, card, el, short, table, when } from "../format.js";
import { problemText, section } from "../ui.js";

export function mount(root) {
  root.append(el("h1", {}, "Identities and credentials"));
  const ids = section(root, "Identities on the DID registry", { id: "identity-table" });
  const revoked = section(root, "Revoked credentials", { id: "revoked-table" });
  const member = section(root, "DAO membership credential of the server's account", { class: "cards", id: "membership" });

  const didInput = el("input", { id: "did-input", placeholder: "did:novacron:…", size: 60 });
  const didOut = el("div", { id: "did-result" });
  const resolveForm = el("form", { class: "inline" }, didInput, el("button", { type: "submit" }, "Resolve"));
  resolveForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const res = await get(`/dids/${encodeURIComponent(didInput.value.trim())}`);
      didOut.replaceChildren(el("pre", { class: "json" }, JSON.stringify(res, null, 2)));
    } catch (err) {
      didOut.replaceChildren(el("p", { class: "error" }, problemText(err)));
    }
  });
  const jwt = el("textarea", { id: "vc-input", placeholder: "eyJ… (a vc+jwt credential)" });
  const vcOut = el("div", { id: "vc-result" });
  const vcForm = el("form", {}, jwt, el("button", { type: "submit" }, "Verify credential"));
  vcForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const res = await post("/credentials/verify", JSON.stringify({ jwt: jwt.value.trim() }));
      vcOut.replaceChildren(el("p", {}, badge(res.valid ? "valid" : "invalid", res.valid ? "ok" : "bad"), " ",
        res.reason || res.error || ""), el("pre", { class: "json" }, JSON.stringify(res, null, 2)));
    } catch (err) {
      vcOut.replaceChildren(el("p", { class: "error" }, problemText(err)));
    }
  });
  root.append(el("h2", {}, "Resolve a DID"), el("div", { class: "panel" }, resolveForm, didOut),
    el("h2", {}, "Verify a credential"), el("div", { class: "panel" }, vcForm, vcOut));

  async function update() {
    const [reg, status] = await Promise.all([get("/identities"), get("/status")]);
    const m = await get(`/accounts/${status.account}/membership`);
    ids.replaceChildren(table(
      [{ title: "DID" }, { title: "owner" }, { title: "changes", num: true }, { title: "attributes", num: true },
        { title: "delegates", num: true }, { title: "last block", num: true }],
      reg.identities.map((i) => [el("a", { href: "#/identity", class: "did", onclick: () => { didInput.value = i.did; } },
        i.did), el("code", {}, short(i.owner)), String(i.changes), String(i.attributes), String(i.delegates),
        String(i.last_block)]),
      "no identity has changed anything on the registry yet",
    ));
    if (!didInput.value && reg.identities.length) didInput.value = reg.identities[0].did;
    revoked.replaceChildren(table(
      [{ title: "issuer" }, { title: "credential id (hash)" }, { title: "block", num: true }],
      reg.revoked_credentials.map((r) => [r.issuer, el("code", {}, short(r.credential_id_hash, 10)), String(r.block)]),
      "no credential revoked",
    ));
    member.replaceChildren(
      card("Holder", short(m.holder), m.eligibility),
      card("Eligible", m.eligible ? "yes" : "no", m.expires_at ? `until ${when(m.expires_at)}` : ""),
      card("Credential", m.credential_hash ? short(m.credential_hash, 8) : "—", `issuer ${short(m.issuer)}`),
    );
  }

  return { update };
}
