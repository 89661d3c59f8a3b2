// baoxiu web console: head office (R-CS-HQ). Every office's month side by side (filed
// figures where the office has closed it), their complaints over the last six months,
// and one office drilled into: its month, its complaint analysis with exports, and its
// regulator filing printed. Read-only: head office acts on nothing.
"use strict";

// The share satisfied, with the mean score beside it (R-MONTH).
const hqSat = (s) => percent(s.satisfied) + (s.average_hundredths == null ? "" : ` (${(s.average_hundredths / 100).toFixed(2)})`);

function hqMonthsBack(m, n) {
  const [y, mo] = m.split("-").map(Number);
  const k = y * 12 + (mo - 1) - (n - 1);
  return `${Math.floor(k / 12)}-${String((k % 12) + 1).padStart(2, "0")}`;
}

async function hq() {
  const m = sessionStorage.getItem("bx.hq.month") || monthNow();
  const from = hqMonthsBack(m, 6);
  const [months, complaints, qa] = await Promise.all([api("/api/v1/hq/months/" + m), api(`/api/v1/hq/complaints?from=${from}&months=6`), api(`/api/v1/hq/qa?from=${from}&months=6`)]);
  const pick = h("input", { id: "hq-month", type: "month", value: m, on: { change: () => { if (pick.value) { sessionStorage.setItem("bx.hq.month", pick.value); hq().catch(fail); } } } });
  const link = (o) => h("a", { href: "#/hq/office/" + o.id }, o.name);
  show(h("h2", {}, t("hq.title")), h("p", { class: "muted" }, t("hq.hint")), h("p", {}, field(t("hq.month"), pick)),
    h("h3", {}, t("hq.months"), " ", m),
    table("hq-months", [t("hq.office"), t("hq.state"), t("hq.logged"), t("month.ontime"), t("month.pass"), t("month.satisfaction"), t("month.completed"), t("month.paid")],
      months.map((r) => h("tr", { "data-office": r.office.id },
        h("td", {}, link(r.office)), h("td", {}, r.closed ? t("hq.filed") : t("hq.live")),
        h("td", { class: "logged" }, String(r.figures.logged)), h("td", {}, percent(r.figures.on_time)), h("td", {}, percent(r.figures.pass)),
        h("td", {}, hqSat(r.figures.satisfaction)), h("td", {}, String(r.figures.completed)), h("td", {}, money(r.figures.paid_total, r.office.currency))))),
    h("h3", {}, t("hq.complaints"), " ", from, " – ", m),
    table("hq-complaints", [t("hq.office"), t("hq.received"), t("hq.rate"), t("hq.onTime"), t("hq.open"), t("hq.overdue")],
      complaints.map((r) => h("tr", { "data-office": r.office.id },
        h("td", {}, link(r.office)), h("td", { class: "received" }, String(r.received)), h("td", {}, percent(r.complaint_rate)),
        h("td", {}, percent(r.on_time_handling)), h("td", { class: "open" }, String(r.open)), h("td", { class: r.overdue ? "bad" : "" }, String(r.overdue))))),
    // R-CS-QA: each office's inspections against its own scheme.
    h("h3", {}, t("hq.qa"), " ", from, " – ", m),
    table("hq-qa", [t("hq.office"), t("qa.inspections"), t("qa.passed"), t("qa.score")],
      qa.map((r) => h("tr", { "data-office": r.office.id },
        h("td", {}, link(r.office)), h("td", { class: "inspections" }, String(r.inspections)), h("td", {}, percent(r.passed)), h("td", {}, percent(r.score))))));
}

async function hqOffice(id) {
  const m = sessionStorage.getItem("bx.hq.month") || monthNow();
  const from = hqMonthsBack(m, 6);
  const base = "/api/v1/hq/offices/" + encodeURIComponent(id);
  const [offices, mv, a, qa] = await Promise.all([api("/api/v1/hq/offices"), api(`${base}/months/${m}`), api(`${base}/complaints/analysis?from=${from}&months=6`),
    api(`${base}/qa/report?from=${from}&months=6`)]);
  const o = offices.find((x) => x.id === id) || { name: id, currency: "TWD" };
  const f = mv.filed || mv.live;
  const lang = S.lang === "en" ? "&lang=en" : "";
  const filing = h("p", { id: "hq-filing" });
  const printFiling = async () => {
    // The printout opens in a window of its own; a filing not yet complete says what it lacks.
    try {
      const res = await fetch(`${base}/complaint-filing/report?lang=${S.lang === "en" ? "en" : "zh"}`, { credentials: "same-origin" });
      if (!res.ok) { const b = await res.json().catch(() => null); const e = new Error((b && b.error && b.error.message) || res.status); e.code = (b && b.error && b.error.code) || "http_" + res.status; throw e; }
      const w = window.open("", "_blank");
      if (w) { w.document.write(await res.text()); w.document.close(); }
    } catch (e) { filing.replaceChildren(h("span", { class: "bad", id: "hq-filing-missing", title: e.message }, t("hq.filingMissing"))); }
  };
  show(h("p", {}, h("a", { href: "#/hq" }, "← ", t("hq.title"))), h("h2", { id: "hq-office-name" }, o.name, " · ", m),
    h("p", { class: "muted" }, mv.closed ? t("hq.filed") : t("hq.live")),
    h("div", { class: "panel", id: "hq-figures" },
      t("hq.logged"), ": ", h("b", { id: "hq-logged" }, String(f.logged)), " · ", t("month.ontime"), ": ", percent(f.on_time), " · ",
      t("month.pass"), ": ", percent(f.pass), " · ", t("month.satisfaction"), ": ", hqSat(f.satisfaction), " · ",
      t("month.completed"), ": ", String(f.completed), " · ", t("month.paid"), ": ", money(f.paid_total, o.currency)),
    h("h3", {}, t("hq.complaints"), " ", a.from, " – ", a.to),
    table("hq-trend", [t("hq.monthCol"), t("hq.received"), t("hq.rate"), t("hq.onTime")], a.trend.map((r) => h("tr", {},
      h("td", {}, r.month), h("td", {}, String(r.received)), h("td", {}, percent(r.complaint_rate)), h("td", {}, percent(r.on_time_handling))))),
    h("h3", {}, t("hq.openItems")),
    a.open_items.length ? table("hq-open", [t("hq.unit"), t("hq.subject"), t("hq.due")], a.open_items.map((i) => h("tr", { class: i.overdue ? "bad" : "" },
      h("td", {}, i.unit), h("td", {}, i.subject), h("td", {}, i.due || "—")))) : h("p", { class: "muted", id: "hq-open" }, t("hq.noneOpen")),
    h("h3", {}, t("hq.qa"), " ", qa.from, " – ", qa.to),
    h("p", { class: "panel", id: "hq-qa-summary" }, t("qa.inspections"), ": ", h("b", {}, String(qa.inspections)), " · ", t("qa.passed"), ": ", percent(qa.passed), " · ", t("qa.score"), ": ", percent(qa.score)),
    h("p", {}, h("button", { id: "hq-xlsx", type: "button", on: { click: () => download(`${base}/complaints/analysis?from=${from}&months=6&format=xlsx${lang}`, `complaint-analysis-${from}-${m}.xlsx`).catch(fail) } }, t("month.export"), " XLSX"), " ",
      h("button", { id: "hq-print-filing", type: "button", on: { click: printFiling } }, t("hq.printFiling"))),
    filing);
}
