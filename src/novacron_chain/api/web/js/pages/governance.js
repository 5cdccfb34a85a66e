// Governance: the DAO's rules, every proposal with its tallies, quorum progress and countdowns (voting, timelock),
// a vote with the API key on the open ones, and the automation policies: changes waiting for approvals, values now.
import { get, getOptional, listOf, post } from "../api.js";
import { badge, el, pct, progress, short, span, table, units, when } from "../format.js";
import { problemText, section, ticker, toast } from "../ui.js";

const STATE = { Active: "info", Succeeded: "ok", Queued: "warn", Executed: "ok", Defeated: "bad", Canceled: "bad",
  Expired: "bad", Pending: "" };

function tally(votes) {
  const f = BigInt(votes.for), a = BigInt(votes.against), b = BigInt(votes.abstain);
  const total = f + a + b;
  const share = (x) => (total === 0n ? 0 : Number((x * 10000n) / total) / 100);
  return el("div", { class: "tally", title: `for ${share(f)}% · against ${share(a)}% · abstain ${share(b)}%` },
    el("span", { class: "for", style: `width:${share(f)}%` }), el("span", { class: "against", style: `width:${share(a)}%` }),
    el("span", { class: "abstain", style: `width:${share(b)}%` }));
}

function countdown(p) {
  if (p.state === "Pending") return { deadline: p.vote_start, label: "voting opens in", done: "voting opens now" };
  if (p.state === "Active") return { deadline: p.vote_end, label: "voting ends in", done: "voting closed" };
  if (p.state === "Queued" && p.eta) return { deadline: p.eta, label: "timelock: executable in", done: "executable now" };
  return null;
}

const shown = (v) => (v === null || v === undefined ? "—" : typeof v === "object" ? JSON.stringify(v) : String(v));
const count = (v) => (Array.isArray(v) ? v.length : Number(v ?? 0));

// The automation policies (issue 17's on-chain approval workflow): the server may not have the endpoints yet (they
// come with the policy module), in which case both lists are empty and say so.
function policyTables(pending, values) {
  const pendingRows = pending.map((c) => {
    const got = count(c.valid_approvals ?? c.approvals), need = count(c.threshold); // approvers still in the set
    const expires = Number(c.expires_at);
    return [shown(c.id), shown(c.name), el("code", {}, shown(c.value)),
      el("div", {}, el("span", { class: "approvals" }, `${got} / ${need}`), progress(need ? got / need : 0, got >= need ? "ok" : "")),
      c.proposer ? el("code", { title: c.proposer }, short(c.proposer)) : "—",
      Number.isFinite(expires) && expires > 0
        ? el("span", { class: "countdown", "data-deadline": expires, "data-label": "expires in", "data-done": "expired",
          title: when(expires) })
        : shown(c.expires_at),
      badge(shown(c.status), c.status === "pending" ? "warn" : "")];
  });
  const valueRows = values.map((p) => [shown(p.name), el("code", {}, shown(p.value)), shown(p.version),
    Number.isFinite(Number(p.updated_at)) && Number(p.updated_at) > 0 ? when(Number(p.updated_at)) : shown(p.updated_at)]);
  return [
    el("h3", {}, "Pending approvals"),
    el("div", { id: "policy-pending" }, table([{ title: "id" }, { title: "policy" }, { title: "new value" },
      { title: "approvals / threshold" }, { title: "proposer" }, { title: "expires" }, { title: "status" }],
    pendingRows, "no policy change waits for approval", (i) => ({ "data-id": shown(pending[i].id) }))),
    el("h3", {}, "Current values"),
    el("div", { id: "policy-values" }, table([{ title: "policy" }, { title: "value" }, { title: "version", num: true },
      { title: "updated" }], valueRows, "no policy set", (i) => ({ "data-name": shown(values[i].name) }))),
  ];
}

export function mount(root) {
  root.append(el("h1", {}, "Governance"));
  const params = section(root, "Rules", { id: "gov-params", class: "muted" });
  const list = section(root, "Proposals", { id: "proposals" });
  const policies = section(root, "Policies", { id: "policies" });
  let clock = null;
  const voted = new Map(); // proposal id -> what this page voted (the API's tallies do not say who voted)
  const tick = ticker(list, () => clock);
  const policyTick = ticker(policies, () => clock);

  function voteForm(p) {
    const support = el("select", { name: "support" }, ["for", "against", "abstain"].map((s) => el("option", { value: s }, s)));
    const reason = el("input", { name: "reason", placeholder: "reason (recorded on chain)", size: 30 });
    const form = el("form", { class: "inline vote-form", "data-proposal": p.id }, support, reason,
      el("button", { type: "submit" }, "Vote with API key"));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const button = form.querySelector("button");
      button.disabled = true;
      try {
        const body = JSON.stringify({ support: support.value, reason: reason.value });
        const vote = await post(`/proposals/${p.id}/votes`, body);
        toast(`Voted ${support.value} on “${p.title}”`);
        const tx = vote.tx_hash || vote.tx?.tx_hash;
        voted.set(p.id, `Your vote: ${support.value}${tx ? ` (tx ${short(tx, 8)})` : ""}`);
        form.replaceWith(el("p", { class: "vote-done" }, voted.get(p.id)));
      } catch (err) {
        toast(problemText(err), true);
        form.append(el("span", { class: "error vote-error" }, problemText(err)));
        button.disabled = false;
      }
    });
    return form;
  }

  async function update() {
    const [rules, { proposals }, pending, values] = await Promise.all([get("/governance/parameters"),
      get("/proposals"), getOptional("/governance/policy-changes?status=pending"), getOptional("/governance/policies")]);
    clock = { chain: rules.clock, at: Date.now() };
    params.replaceChildren(
      `quorum ${rules.quorum_bps / 100}% of the supply · voting delay ${span(rules.voting_delay)} · voting period `,
      `${span(rules.voting_period)} · timelock ${span(rules.timelock_delay)} · proposal threshold `,
      `${units(rules.proposal_threshold, 18, 0)} NOVA · participation ${pct(rules.dao_participation)}`,
    );
    const openForms = new Map([...list.querySelectorAll("form.vote-form")].map((f) => [f.dataset.proposal, f]));
    const rows = [...proposals].reverse().map((p) => {
      const cd = countdown(p);
      const card = el("div", { class: "panel proposal", "data-id": p.id, "data-state": p.state, style: "margin-bottom:10px" },
        el("div", {}, badge(p.state, STATE[p.state] ?? ""), " ", el("b", { class: "title" }, p.title),
          el("span", { class: "muted" }, `  #${short(p.id, 6)} by ${short(p.proposer)}`)),
        el("p", { class: "muted" }, p.description),
        el("div", { class: "grid2" },
          el("div", {}, el("div", { class: "muted" }, "votes (NOVA): for ", el("b", { class: "votes-for" }, units(p.votes.for, 18, 0)),
            " · against ", el("b", { class: "votes-against" }, units(p.votes.against, 18, 0)),
            " · abstain ", el("b", {}, units(p.votes.abstain, 18, 0))), tally(p.weights)),
          el("div", {}, el("div", { class: "muted" }, `quorum: ${pct(p.quorum_progress)} of ${units(p.quorum, 18, 0)} NOVA `,
            p.quorum_reached ? badge("reached", "ok") : badge("not yet", "warn")),
          progress(p.quorum_progress, p.quorum_reached ? "ok" : ""))),
        cd ? el("p", { class: "countdown", "data-deadline": cd.deadline, "data-label": cd.label, "data-done": cd.done }) : null,
      );
      if (voted.has(p.id)) card.append(el("p", { class: "vote-done" }, voted.get(p.id)));
      else if (p.state === "Active") card.append(openForms.get(p.id) || voteForm(p));
      return card;
    });
    list.replaceChildren(...(rows.length ? rows : [el("p", { class: "empty" }, "no proposal yet")]));
    tick.tick();
    const problem = pending?.problem || values?.problem;
    const note = problem ? `policies unavailable: ${problemText(problem)}`
      : pending === null && values === null ? "this server has no policy endpoints" : null;
    policies.replaceChildren(...policyTables(pending?.problem ? [] : listOf(pending), values?.problem ? [] : listOf(values)),
      ...(note ? [el("p", { class: "muted policy-note" }, note)] : []));
    policyTick.tick();
  }

  return { update, dispose: () => { tick.stop(); policyTick.stop(); } };
}
