// baoxiu web console: the call-back programme (S5 25; R-VISIT). Everyone who makes
// call-backs sees the calls given to them and the programmes; the centre's manager writes
// a programme — period, whom it calls, target, kinds, the questionnaire (the five quality
// dimensions and free questions), the schedule, the ways of calling in order — plans its
// call-backs, sends online-survey links, and follows its progress.
"use strict";

const DIMENSIONS = ["reliability", "tangibles", "responsiveness", "empathy", "professionalism"];
const VISIT_KINDS = ["satisfaction", "complaint_handling", "repair_held", "courtesy"];
const METHODS = ["phone", "on_site", "online_survey"];
const mean = (x) => (x == null ? "—" : (x / 100).toFixed(2));

// Each dimension's mean beside the satisfaction rate (S5 8), where anyone scored it.
function dimensionMeans(d, id) {
  return h("span", { class: "dims", id }, DIMENSIONS.map((k, i) => [i ? " · " : "", t("visit.dim." + k), " ",
    h("b", { "data-dimension": k }, mean(d && d[k] ? d[k].average_hundredths : null))]));
}

// The questionnaire's part of a call-back's record: the dimensions the programme asks
// (all five outside a programme), each 1–5 or unanswered, and its free questions.
function questionnaire(prog) {
  const dims = prog ? prog.dimensions : DIMENSIONS;
  const scores = dims.map((d) => h("select", { class: "cb-dim", "data-dimension": d, "aria-label": t("visit.dim." + d) },
    h("option", { value: "" }, "—"), options([5, 4, 3, 2, 1].map((n) => [String(n), String(n)]))));
  const answers = (prog ? prog.questions : []).map((q) => h("textarea", { class: "cb-answer", "data-question": q, rows: 1, cols: 24, maxlength: 2000, "aria-label": q }));
  const nodes = h("span", { class: "cb-questionnaire" }, scores.map((s, i) => field(t("visit.dim." + dims[i]), s)), " ",
    answers.map((a) => field(a.dataset.question, a)));
  const read = () => ({
    scores: Object.fromEntries(scores.filter((s) => s.value).map((s) => [s.dataset.dimension, Number(s.value)])),
    answers: answers.filter((a) => a.value.trim()).map((a) => ({ question: a.dataset.question, answer: a.value.trim() })),
  });
  return { nodes, read };
}

function programmeForm(p, done) {
  const d = p || { title: "", starts: "", ends: "", audience: "", target: 20, kinds: ["satisfaction"], dimensions: DIMENSIONS, questions: [], schedule: [], methods: ["phone", "online_survey"] };
  const input = (id, v, more) => h("input", Object.assign({ id, value: v == null ? "" : v }, more || {}));
  const title = input("pg-title", d.title, { required: true, maxlength: 200, size: 30 });
  const starts = input("pg-starts", d.starts, { type: "date", required: true });
  const ends = input("pg-ends", d.ends, { type: "date", required: true });
  const audience = input("pg-audience", d.audience, { required: true, maxlength: 500, size: 40 });
  const target = input("pg-target", d.target, { type: "number", min: 1, max: 100000, required: true });
  const checks = (cls, all, on, key) => all.map((k) => h("label", {}, h("input", { type: "checkbox", class: cls, value: k, checked: on.includes(k) }), " ", t(key + k)));
  const questions = h("textarea", { id: "pg-questions", rows: 3, cols: 50 }, d.questions.join("\n"));
  const schedule = h("textarea", { id: "pg-schedule", rows: 3, cols: 50, placeholder: "2026-11-02 十月完成的訂單" }, d.schedule.map((r) => `${r.on} ${r.focus}`).join("\n"));
  const ways = [0, 1, 2].map((i) => h("select", { class: "pg-method", "aria-label": t("visit.way") + " " + (i + 1) },
    h("option", { value: "" }, "—"), options(METHODS.map((m) => [m, t("cb.method." + m)]), d.methods[i] || "")));
  const picked = (cls) => [...document.querySelectorAll(`#programme-form .${cls}:checked`)].map((c) => c.value);
  const lines = (ta) => ta.value.split("\n").map((l) => l.trim()).filter(Boolean);
  return h("form", { id: "programme-form", on: onSubmit(async () => {
    const body = { title: title.value, starts: starts.value, ends: ends.value, audience: audience.value, target: Number(target.value),
      kinds: picked("pg-kind"), dimensions: picked("pg-dim"), questions: lines(questions),
      schedule: lines(schedule).map((l) => ({ on: l.slice(0, 10), focus: l.slice(10).trim() || l.slice(0, 10), target: 0 })),
      methods: ways.map((w) => w.value).filter((m, i, all) => m && all.indexOf(m) === i) };
    const saved = p ? await api("/api/v1/callback-programmes/" + p.id, { method: "PUT", body: JSON.stringify(body) }) : await post("/api/v1/callback-programmes", body);
    await done(saved);
  }) }, h("h3", {}, t(p ? "visit.edit" : "visit.new")),
  h("p", {}, field(t("visit.title"), title), " ", field(t("visit.starts"), starts), " ", field(t("visit.ends"), ends)),
  h("p", {}, field(t("visit.audience"), audience), " ", field(t("visit.target"), target)),
  h("p", {}, t("visit.kinds"), ": ", checks("pg-kind", VISIT_KINDS, d.kinds, "visit.kind.")),
  h("p", {}, t("visit.dimensions"), ": ", checks("pg-dim", DIMENSIONS, d.dimensions, "visit.dim.")),
  h("p", {}, field(t("visit.questions"), questions)),
  h("p", {}, field(t("visit.schedule"), schedule)),
  h("p", {}, t("visit.ways"), ": ", ways), h("button", { id: "pg-save" }, t("visit.save")));
}

// The call-backs given to the caller, to make now (an agent's phone calls, R-VISIT).
async function visitsPage() {
  const [mine, progs, users] = await Promise.all([api("/api/v1/callbacks?status=planned"), api("/api/v1/callback-programmes"), (mayDo("ListUsers") ? api("/api/v1/users").catch(() => []) : [])]);
  const byId = Object.fromEntries(progs.map((p) => [p.id, p]));
  const again = () => visitsPage().catch(fail);
  const calls = mine.filter((c) => c.assignee === S.me.user);
  show(h("h2", {}, t("visit.title.page")),
    h("h3", {}, t("visit.mine")),
    calls.length ? table("my-calls", [t("month.when"), t("visit.about"), t("cb.method"), t("cb.content"), ""], calls.map((c) => h("tr", { "data-callback": c.id },
      h("td", {}, timeOf(c.planned_at)), h("td", {}, visitAbout(c)), h("td", {}, t("cb.method." + c.method)), h("td", {}, c.content),
      h("td", {}, callForm(c, users, again, byId[c.programme] || null))))) : h("p", { class: "empty", id: "my-calls" }, t("visit.none")),
    h("h3", {}, t("visit.programmes")),
    progs.length ? table("programmes", [t("visit.title"), t("visit.period"), t("visit.target"), t("visit.ways")], progs.map((p) => h("tr", { "data-programme": p.id },
      h("td", {}, h("a", { href: "#/programme/" + p.id }, p.title)), h("td", {}, p.starts, " – ", p.ends), h("td", {}, String(p.target)),
      h("td", {}, p.methods.map((m) => t("cb.method." + m)).join(" → "))))) : h("p", { class: "empty" }, "—"),
    mayDo("EditProgrammes") ? programmeForm(null, (p) => { location.hash = "#/programme/" + p.id; }) : null);
}

const visitAbout = (c) => (c.order ? h("a", { href: "#/order/" + c.order }, t("visit.order"), " …", c.order.slice(-8)) : h("a", { href: "#/complaint/" + c.complaint }, t("visit.complaint"), " …", c.complaint.slice(-8)));

// A link the customer opens with no sign-in (R-VISIT-SURVEY), shown to copy and send.
function surveyButton(c) {
  const out = h("span", { class: "survey-link" });
  return h("span", {}, h("button", { type: "button", class: "do-survey", "data-id": c.id, on: { click: () => post(`/api/v1/callbacks/${c.id}/survey`).then((l) => {
    out.replaceChildren(h("input", { class: "survey-url", readonly: true, size: 50, value: location.origin + l.url }), " ", t("visit.expires"), " ", timeOf(l.expires_at));
  }).catch(fail) } }, t("visit.link")), " ", out);
}

async function programmePage(id) {
  const [v, users] = await Promise.all([api("/api/v1/callback-programmes/" + encodeURIComponent(id)), (mayDo("ListUsers") ? api("/api/v1/users").catch(() => []) : [])]);
  const p = v.programme, g = v.progress;
  const again = () => programmePage(id).catch(fail);
  const name = (u) => (users.find((x) => x.id === u) || {}).name || "";
  const n = (a) => [h("td", {}, String(a.planned)), h("td", {}, String(a.done)), h("td", {}, String(a.failed))];
  const attemptHeads = [t("cb.planned"), t("cb.done"), t("cb.failed")];
  const row = (c) => h("tr", { "data-callback": c.id, "data-status": c.status },
    h("td", {}, timeOf(c.planned_at)), h("td", {}, visitAbout(c)), h("td", {}, t("cb.method." + c.method)), h("td", {}, name(c.assignee)),
    h("td", {}, c.status === "planned"
      ? [mayDo("Callbacks") || c.assignee === S.me.user ? callForm(c, users, again, p) : t("cb.planned"), c.method === "online_survey" && mayDo("SendSurveys") ? surveyButton(c) : null]
      : h("span", { class: c.status === "done" ? "good" : "bad" }, t("cb." + c.status), c.satisfaction ? " · " + c.satisfaction + "/5" : "",
        DIMENSIONS.filter((d) => c.scores[d]).map((d) => ` · ${t("visit.dim." + d)} ${c.scores[d]}`), c.problems ? " · " + c.problems : "")));
  const plan = mayDo("Callbacks") ? visitPlanForm(p, users, again) : null;
  show(h("h2", { id: "programme-title" }, p.title),
    h("p", { class: "panel" }, t("visit.period"), ": ", p.starts, " – ", p.ends, " · ", t("visit.audience"), ": ", p.audience, " · ",
      t("visit.kinds"), ": ", p.kinds.map((k) => t("visit.kind." + k)).join("、"), " · ", t("visit.ways"), ": ", p.methods.map((m) => t("cb.method." + m)).join(" → ")),
    h("p", {}, t("visit.questionnaire"), ": ", p.dimensions.map((d) => t("visit.dim." + d)).join("、"), p.questions.length ? [" · ", p.questions.join(" / ")] : null),
    h("div", { class: "panel", id: "programme-progress" }, t("visit.reached"), " ", h("b", { id: "pg-reached" }, String(g.reached)), " / ", String(g.target), " · ",
      t("month.satisfaction"), ": ", h("b", { id: "pg-satisfied" }, percent(g.satisfied)), " (", mean(g.satisfaction_average_hundredths), ") · ",
      dimensionMeans(g.dimensions, "pg-dimensions")),
    table("pg-methods", [t("cb.method"), ...attemptHeads], g.by_method.map((m) => h("tr", { "data-method": m.method }, h("td", {}, t("cb.method." + m.method)), n(m.attempts)))),
    g.rounds.length ? table("pg-rounds", [t("visit.round"), t("visit.focus"), ...attemptHeads], g.rounds.map((r) => h("tr", {}, h("td", {}, r.round.on), h("td", {}, r.round.focus), n(r.attempts)))) : null,
    g.answers.filter((q) => q.answers.length).map((q) => [h("h4", {}, q.question), h("ul", { class: "pg-answers" }, q.answers.map((a) => h("li", {}, a.answer)))]),
    h("h3", {}, t("visit.callbacks")),
    v.callbacks_total > v.callbacks.length ? h("p", { class: "muted", id: "pg-shown" }, t("visit.shown"), " ", v.callbacks.length, " / ", v.callbacks_total) : null,
    v.callbacks.length ? table("pg-callbacks", [t("month.when"), t("visit.about"), t("cb.method"), t("visit.assignee"), ""], v.callbacks.map(row)) : h("p", { class: "empty", id: "pg-callbacks" }, "—"),
    plan,
    mayDo("EditProgrammes") ? h("details", { id: "pg-edit" }, h("summary", {}, t("visit.edit")), programmeForm(p, again)) : null);
}

// Plans a call-back under the programme: about an order (its number), one of the ways,
// on a day of the period, given to someone who calls that way (R-VISIT).
function visitPlanForm(p, users, again) {
  const order = h("input", { id: "pg-order", required: true, size: 36, placeholder: "工單編號 / order id" });
  const method = h("select", { id: "pg-plan-method" }, options(p.methods.map((m) => [m, t("cb.method." + m)])));
  // Today, if the period has begun and not ended; else its first day.
  const today = new Date().toLocaleDateString("sv-SE", { timeZone: S.me.office.time_zone });
  const first = today >= p.starts && today <= p.ends ? today : p.starts;
  const at = h("input", { id: "pg-plan-at", type: "datetime-local", required: true, value: first + "T10:00" });
  const who = h("select", { id: "pg-plan-assignee" }, h("option", { value: "" }, "—"),
    options(users.filter((u) => u.active !== false).map((u) => [u.id, u.name + " (" + t("role." + u.role) + ")"])));
  return h("form", { id: "pg-plan", on: onSubmit(async () => {
    await post("/api/v1/callbacks", { order: order.value.trim(), method: method.value, planned_at: new Date(at.value).getTime(),
      assignee: who.value || null, content: p.title, programme: p.id });
    await again();
  }) }, h("h3", {}, t("visit.plan")), field(t("visit.order"), order), " ", field(t("cb.method"), method), " ", field(t("month.when"), at), " ",
  field(t("visit.assignee"), who), " ", h("button", { id: "pg-plan-save" }, t("visit.plan")));
}
