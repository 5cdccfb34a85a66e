// Staking: each resource's APR and reward reserve, and the server account's stakes and balances.
import { get } from "../api.js";
import { card, el, short, table, units, when } from "../format.js";
import { section } from "../ui.js";

export function mount(root) {
  root.append(el("h1", {}, "Staking"));
  const summary = section(root, "Reward reserves", { id: "staking-table" });
  const account = section(root, "Account", { class: "cards", id: "staking-account" });
  const stakes = section(root, "Open stakes of the server's account", { id: "stake-table" });

  async function update() {
    const staking = await get("/staking");
    const [own, balances] = await Promise.all([
      get(`/accounts/${staking.account}/stakes`), get(`/accounts/${staking.account}/balances`),
    ]);
    summary.replaceChildren(table(
      [{ title: "resource" }, { title: "APR", num: true }, { title: "reward available", num: true },
        { title: "reward committed", num: true }],
      staking.resources.map((r) => [r.resource, `${(r.apr_bps / 100).toFixed(2)}%`, units(r.reward_available),
        units(r.reward_committed)]),
    ));
    account.replaceChildren(
      card("Account", short(staking.account), "signs the server's writes"),
      card("Stakes ever opened", String(staking.stake_count), "all accounts"),
      ...Object.entries(balances.tokens).map(([r, v]) => card(r, units(v, 18, 2), "tokens held")),
    );
    stakes.replaceChildren(table(
      [{ title: "id", num: true }, { title: "resource" }, { title: "amount", num: true },
        { title: "reward", num: true }, { title: "unlocks" }],
      own.stakes.map((s) => [s.stake_id, s.resource, units(s.amount), units(s.reward, 18, 6), when(Number(s.end))]),
      "no open stake",
    ));
  }

  return { update };
}
