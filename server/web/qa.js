// baoxiu web console: QA (R-CS-QA). The inspector's month: the contacts taken and the
// call-backs made, each inspected against the office's scheme, criterion by criterion,
// with a comment for the points taken off; the month's QA report with its export; the
// scheme itself, kept by the centre's manager.
"use strict";

function qaLines(id, head, rows) {
  return table(id, [head, t("qa.inspections"), t("qa.passed"), t("qa.score")], rows.map((l) => h("tr", {},
    h("td", {}, l.name || l.key), h("td", {}, String(l.inspections)), h("td", {}, percent(l.passed)), h("td", {}, percent(l.score)))));
}

// The inspection form of one piece of work: a points box per criterion of the scheme.
function qaForm(item, scheme, done) {
  const boxes = scheme.criteria.map((c) => h("input", { type: "number", min: 0, max: c.max_points, value: c.max_points, required: true, class: "qa-points", "data-criterion": c.name, "aria-label": c.name }));
  const comment = h("textarea", { id: "qa-comment", rows: 2, cols: 50 });
  return h("form", { id: "qa-form", "data-id": item.id, on: onSubmit(async () => {
    await post("/api/v1/qa/inspections", { subject: item.subject, subject_id: item.id, comment: comment.value,
      scores: boxes.map((b) => ({ criterion: b.dataset.criterion, points: Number(b.value) })) });
    await done();
  }) }, h("h4", {}, t("qa.inspect"), ": ", item.summary),
  table("qa-criteria", [t("qa.criterion"), t("qa.points")], scheme.criteria.map((c, i) => h("tr", {},
    h("td", { title: c.guidance }, c.name, " (", String(c.max_points), ")"), h("td", {}, boxes[i])))),
  field(t("qa.comment"), comment), " ", h("button", { id: "qa-save" }, t("qa.save")));
}

function qaSchemeForm(scheme) {
  const row = (c) => h("tr", { class: "qs-row" },
    h("td", {}, h("input", { class: "qs-name", size: 20, value: c.name || "", "aria-label": t("qa.criterion") })),
    h("td", {}, h("input", { class: "qs-max", type: "number", min: 1, max: 100, value: c.max_points || 10, "aria-label": t("qa.maxPoints") })),
    h("td", {}, h("input", { class: "qs-guide", size: 40, value: c.guidance || "", "aria-label": t("qa.guidance") })));
  const rows = h("tbody", {}, scheme.criteria.map(row));
  const pass = h("input", { id: "qs-pass", type: "number", min: 1, max: 100, value: scheme.pass_percent });
  return h("form", { id: "qa-scheme", on: onSubmit(async () => {
    const criteria = [...rows.querySelectorAll(".qs-row")].map((r) => ({ name: r.querySelector(".qs-name").value, max_points: Number(r.querySelector(".qs-max").value), guidance: r.querySelector(".qs-guide").value }))
      .filter((c) => c.name.trim());
    await api("/api/v1/qa/scheme", { method: "PUT", body: JSON.stringify({ criteria, pass_percent: Number(pass.value) }) });
    await qaPage();
  }) }, h("h3", {}, t("qa.scheme")),
  h("table", { id: "qs-criteria" }, h("tr", {}, h("th", {}, t("qa.criterion")), h("th", {}, t("qa.maxPoints")), h("th", {}, t("qa.guidance"))), rows),
  h("button", { type: "button", id: "qs-more", on: { click: () => rows.append(row({})) } }, t("qa.moreCriterion")), " ",
  field(t("qa.passMark"), pass), " ", h("button", { id: "qs-save" }, t("qa.saveScheme")));
}

async function qaPage() {
  const m = sessionStorage.getItem("bx.qa.month") || monthNow();
  const [scheme, queue, report] = await Promise.all([api("/api/v1/qa/scheme"), api("/api/v1/qa/queue?month=" + m), api("/api/v1/qa/report?from=" + m)]);
  const pick = h("input", { id: "qa-month", type: "month", value: m, on: { change: () => { if (pick.value) { sessionStorage.setItem("bx.qa.month", pick.value); qaPage().catch(fail); } } } });
  const form = h("div", { id: "qa-form-slot" });
  const inspects = mayDo("Inspect");
  const result = (x) => h("span", { class: x.passed ? "good" : "bad", "data-passed": String(x.passed) }, `${x.points}/${x.max_points} `, x.passed ? t("qa.pass") : t("qa.fail"));
  const lang = S.lang === "en" ? "&lang=en" : "";
  show(h("h2", {}, t("qa.title")), h("p", { class: "muted" }, t("qa.hint")), h("p", {}, field(t("qa.month"), pick)),
    h("h3", {}, t("qa.queue")),
    queue.length ? table("qa-queue", [t("qa.when"), t("qa.subject"), t("qa.agent"), t("qa.summary"), t("qa.result")], queue.map((x) => h("tr", { "data-id": x.id, "data-subject": x.subject },
      h("td", {}, timeOf(x.at)), h("td", {}, t("qa.subject." + x.subject)), h("td", {}, x.agent_name), h("td", {}, x.summary),
      h("td", {}, x.inspection ? result(x.inspection) : inspects && x.agent !== S.me.user
        ? h("button", { type: "button", class: "qa-open", on: { click: () => form.replaceChildren(qaForm(x, scheme, qaPage)) } }, t("qa.inspect")) : "—")))) : h("p", { class: "muted", id: "qa-queue" }, t("qa.nothing")),
    form,
    h("h3", {}, t("qa.report"), " ", m),
    h("p", { class: "panel", id: "qa-summary" }, t("qa.inspections"), ": ", h("b", { id: "qa-count" }, String(report.inspections)), " · ",
      t("qa.passed"), ": ", h("b", { id: "qa-passed" }, percent(report.passed)), " · ", t("qa.score"), ": ", percent(report.score)),
    qaLines("qa-by-criterion", t("qa.criterion"), report.by_criterion),
    qaLines("qa-by-person", t("qa.agent"), report.by_person),
    h("p", {}, h("button", { id: "qa-xlsx", type: "button", on: { click: () => download(`/api/v1/qa/report?from=${m}&format=xlsx${lang}`, `qa-report-${m}.xlsx`).catch(fail) } }, t("month.export"), " XLSX")),
    mayDo("EditQaScheme") ? qaSchemeForm(scheme) : null);
}

// R-CS-KPI: each person's indicators for a month and the score under the office's
// weights (the settings page keeps them); an agent sees their own line.
async function kpiPage() {
  const m = sessionStorage.getItem("bx.kpi.month") || monthNow();
  const r = await api("/api/v1/kpi?from=" + m);
  const pick = h("input", { id: "kpi-month", type: "month", value: m, on: { change: () => { if (pick.value) { sessionStorage.setItem("bx.kpi.month", pick.value); kpiPage().catch(fail); } } } });
  const lang = S.lang === "en" ? "&lang=en" : "";
  const w = r.weights;
  show(h("h2", {}, t("kpi.title")), h("p", { class: "muted" }, t("kpi.hint")), h("p", {}, field(t("qa.month"), pick)),
    h("p", { id: "kpi-weights" }, t("kpi.weights"), ": ", t("kpi.quality"), " ", String(w.quality), " · ", t("kpi.satisfaction"), " ", String(w.satisfaction), " · ", t("kpi.complaints"), " ", String(w.complaints)),
    r.people.length ? table("kpi", [t("qa.agent"), t("kpi.role"), t("kpi.contacts"), t("kpi.quality"), t("kpi.satisfaction"), t("kpi.complaints"), t("kpi.score")], r.people.map((p) => h("tr", { "data-person": p.person },
      h("td", {}, p.name), h("td", {}, t("role." + p.role)), h("td", {}, String(p.contacts)), h("td", {}, percent(p.quality)), h("td", {}, percent(p.satisfaction)), h("td", {}, percent(p.complaints)),
      h("td", { class: "score" }, p.score_basis_points == null ? "—" : (p.score_basis_points / 100).toFixed(2))))) : h("p", { class: "muted", id: "kpi" }, t("kpi.none")),
    h("p", {}, h("button", { id: "kpi-xlsx", type: "button", on: { click: () => download(`/api/v1/kpi?from=${m}&format=xlsx${lang}`, `kpi-${m}.xlsx`).catch(fail) } }, t("month.export"), " XLSX")));
}
