// baoxiu web console: the PDCA register (S5 16). The manager opens an item for a problem
// found, plans it (cause, the biggest factor, the actions and who carries each out), the
// actions' owners record what they did, the manager checks the results and acts: what
// worked is consolidated, what is left goes into the next cycle as a new item.
"use strict";

const PDCA_SOURCES = ["complaint", "callback", "survey", "qa", "site", "statistics", "other"];
const PDCA_STAGES = ["plan", "do", "check", "closed"];

async function improvements() {
  const filter = sessionStorage.getItem("bx.pdca") || "open";
  const q = filter === "open" ? "?open=true" : filter === "all" ? "" : "?stage=" + filter;
  const list = await api("/api/v1/improvements" + q);
  const pick = h("select", { id: "pdca-filter", "aria-label": t("pdca.filter"), on: { change: () => { sessionStorage.setItem("bx.pdca", pick.value); improvements().catch(fail); } } },
    options([["open", t("pdca.open")], ["all", t("pdca.all")], ...PDCA_STAGES.map((s) => [s, t("pdca.stage." + s)])], filter));
  const problem = h("textarea", { id: "pdca-problem", required: true, rows: 2, cols: 50 });
  const source = h("select", { id: "pdca-source" }, options(PDCA_SOURCES.map((s) => [s, t("pdca.source." + s)]), "callback"));
  const reference = h("input", { id: "pdca-reference", size: 20 });
  const form = mayDo("Improve") ? h("form", { id: "pdca-new", on: onSubmit(async () => {
    const x = await post("/api/v1/improvements", { problem: problem.value, source: source.value, reference: reference.value });
    location.hash = "#/improvement/" + x.id;
  }) }, h("h3", {}, t("pdca.new")), field(t("pdca.problem"), problem), h("br"), field(t("pdca.source"), source), " ",
    field(t("pdca.reference"), reference), " ", h("button", { id: "pdca-open" }, t("pdca.openItem"))) : null;
  show(h("h2", {}, t("pdca.title")), h("p", { class: "muted" }, t("pdca.hint")), form, h("p", {}, field(t("pdca.filter"), pick)),
    list.length ? table("pdca-list", [t("pdca.problem"), t("pdca.source"), t("pdca.cycle"), t("pdca.stage"), t("pdca.opened")],
      list.map((x) => h("tr", { "data-id": x.id, "data-stage": x.stage },
        h("td", {}, h("a", { href: "#/improvement/" + x.id }, x.problem)), h("td", {}, t("pdca.source." + x.source), x.reference ? " · " + x.reference : ""),
        h("td", {}, String(x.cycle)), h("td", {}, t("pdca.stage." + x.stage)), h("td", {}, dayOf(x.created_at))))) : h("p", { class: "muted", id: "pdca-list" }, t("pdca.none")));
}

// The plan's form: the cause, the factor, and up to 20 actions, each with its owner and day.
function planForm(x, people) {
  const p = x.plan || { cause: "", biggest_factor: "", actions: [] };
  const cause = h("textarea", { id: "pl-cause", required: true, rows: 2, cols: 50 }, p.cause);
  const factor = h("textarea", { id: "pl-factor", required: true, rows: 2, cols: 50 }, p.biggest_factor);
  const row = (a) => h("tr", { class: "pl-action" },
    h("td", {}, h("input", { class: "pl-what", size: 40, value: a.what || "", "aria-label": t("pdca.action") })),
    h("td", {}, h("select", { class: "pl-owner", "aria-label": t("pdca.owner") }, options([["", "—"], ...people.map((u) => [u.id, u.name])], a.owner || ""))),
    h("td", {}, h("input", { class: "pl-due", type: "date", value: a.due || "", "aria-label": t("pdca.due") })));
  const rows = h("tbody", {}, (p.actions.length ? p.actions : [{}]).map(row));
  const more = h("button", { type: "button", id: "pl-more", on: { click: () => rows.append(row({})) } }, t("pdca.moreAction"));
  return h("form", { id: "pdca-plan", on: onSubmit(async () => {
    const actions = [...rows.querySelectorAll(".pl-action")].map((r) => ({ what: r.querySelector(".pl-what").value, owner: r.querySelector(".pl-owner").value || null, due: r.querySelector(".pl-due").value || null }))
      .filter((a) => a.what.trim());
    await post(`/api/v1/improvements/${x.id}/steps`, { step: "plan", cause: cause.value, biggest_factor: factor.value, actions });
    await improvementPage(x.id);
  }) }, field(t("pdca.cause"), cause), h("br"), field(t("pdca.factor"), factor),
  h("table", { id: "pl-actions" }, h("tr", {}, h("th", {}, t("pdca.action")), h("th", {}, t("pdca.owner")), h("th", {}, t("pdca.due"))), rows),
  more, " ", h("button", { id: "do-plan" }, t("pdca.savePlan")));
}

async function improvementPage(id) {
  const manager = mayDo("Improve");
  // The item names the people it mentions; the office's list is needed only to plan.
  const [x, people] = await Promise.all([api("/api/v1/improvements/" + id), manager ? api("/api/v1/users") : []]);
  const name = (u) => x.names[u] || "—";
  const owner = x.plan && x.plan.actions.some((a) => a.owner === S.me.user);
  const step = (body) => post(`/api/v1/improvements/${x.id}/steps`, body);
  const parts = [h("h2", {}, t("pdca.item")), h("p", { id: "pdca-problem-text" }, x.problem),
    h("p", { class: "muted" }, t("pdca.source." + x.source), x.reference ? " · " + x.reference : "", " · ", t("pdca.cycle"), " ", String(x.cycle), " · ",
      h("span", { id: "pdca-stage", "data-stage": x.stage }, t("pdca.stage." + x.stage))),
    x.carried_from ? h("p", {}, h("a", { id: "pdca-from", href: "#/improvement/" + x.carried_from }, t("pdca.carriedFrom"))) : null];
  // P
  parts.push(h("h3", {}, "P · " + t("pdca.stage.plan")));
  if (x.plan) parts.push(h("dl", { id: "pdca-planned" }, h("dt", {}, t("pdca.cause")), h("dd", {}, x.plan.cause), h("dt", {}, t("pdca.factor")), h("dd", {}, x.plan.biggest_factor)),
    table("pdca-actions", [t("pdca.action"), t("pdca.owner"), t("pdca.due")], x.plan.actions.map((a) => h("tr", {}, h("td", {}, a.what), h("td", {}, a.owner ? name(a.owner) : "—"), h("td", {}, a.due || "—")))));
  else parts.push(h("p", { class: "muted" }, t("pdca.noPlan")));
  if (x.stage === "plan" && manager) parts.push(planForm(x, people.filter((p) => p.active)));
  // D
  parts.push(h("h3", {}, "D · " + t("pdca.stage.do")),
    x.done.length ? table("pdca-done", [t("pdca.when"), t("pdca.by"), t("pdca.note")], x.done.map((e) => h("tr", {}, h("td", {}, when(e.at)), h("td", {}, name(e.by)), h("td", {}, e.note)))) : h("p", { class: "muted" }, t("pdca.nothingDone")));
  if (x.plan && (x.stage === "plan" || x.stage === "do") && (manager || owner)) {
    const note = h("input", { id: "do-note", size: 50, required: true, "aria-label": t("pdca.note") });
    parts.push(h("form", { id: "pdca-do", on: onSubmit(async () => { await step({ step: "do", note: note.value }); await improvementPage(x.id); }) }, note, " ", h("button", { id: "do-do" }, t("pdca.recordDo"))));
  }
  // C
  parts.push(h("h3", {}, "C · " + t("pdca.stage.check")));
  if (x.check) parts.push(h("p", { id: "pdca-checked" }, x.check.results, " — ", t(x.check.resolved ? "pdca.resolved" : "pdca.unresolved")));
  else if (x.stage === "do" && manager) {
    const results = h("textarea", { id: "ck-results", required: true, rows: 2, cols: 50 });
    const resolved = h("input", { id: "ck-resolved", type: "checkbox" });
    parts.push(h("form", { id: "pdca-check", on: onSubmit(async () => { await step({ step: "check", results: results.value, resolved: resolved.checked }); await improvementPage(x.id); }) },
      field(t("pdca.results"), results), h("br"), field(t("pdca.resolved"), resolved), " ", h("button", { id: "do-check" }, t("pdca.recordCheck"))));
  }
  // A
  parts.push(h("h3", {}, "A · " + t("pdca.act")));
  if (x.act) parts.push(h("dl", { id: "pdca-acted" }, h("dt", {}, t("pdca.consolidated")), h("dd", {}, x.act.consolidated),
    h("dt", {}, t("pdca.leftover")), h("dd", {}, x.act.leftover || "—",
      x.act.carried_to ? [" ", h("a", { id: "pdca-next", href: "#/improvement/" + x.act.carried_to }, t("pdca.nextCycle"))] : null)));
  else if (x.stage === "check" && manager) {
    const consolidated = h("textarea", { id: "ac-consolidated", required: true, rows: 2, cols: 50 });
    const leftover = h("textarea", { id: "ac-leftover", rows: 2, cols: 50, required: !x.check.resolved });
    parts.push(h("form", { id: "pdca-act", on: onSubmit(async () => { await step({ step: "act", consolidated: consolidated.value, leftover: leftover.value }); await improvementPage(x.id); }) },
      field(t("pdca.consolidated"), consolidated), h("br"), field(t("pdca.leftover"), leftover), " ", h("button", { id: "do-act" }, t("pdca.recordAct"))));
  }
  parts.push(h("p", {}, h("a", { href: "#/improvements" }, t("pdca.back"))));
  show(parts);
}
