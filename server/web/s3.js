// The console's screens for vehicles and office supplies (S3). Built from DOM nodes: data
// goes in as text nodes, never as HTML. What a role may open comes from /api/v1/me
// (`opens_cases`) and what it may record on a case from the case itself (`actions`, the
// very facts to send), so no role or rule is copied here. Uses app.js's S, t, api, post,
// fail and download, and dom.js's builders.
"use strict";

// ---- the list: maintenance due, the caller's cases, what it may open ----
async function s3Cases() {
  const [list, maint] = await Promise.all([
    api("/api/v1/cases?limit=500"),
    mayDo("ReadFleet") ? api("/api/v1/fleet/maintenance") : Promise.resolve(null),
  ]);
  const parts = [h("h2", {}, t("s3.title"))];
  if (S.me.opens_cases.includes("requisition")) {
    parts.push(h("p", {}, h("a", { href: "#/s3/requisition", id: "new-requisition" }, t("s3.requisition.new"))));
  }
  if (maint) {
    parts.push(h("h3", {}, t("s3.maintenance")));
    parts.push(table("maintenance", [t("s3.plate"), t("s3.maint.status"), t("s3.maint.next_at"), t("s3.maint.next_km")],
      maint.map((m) => h("tr", { "data-plate": m.plate, "data-status": m.status },
        h("td", {}, m.plate),
        h("td", {}, h("span", { class: m.status === "overdue" ? "tag" : m.status === "due_soon" ? "tag warn" : "" }, t("s3.maint." + m.status))),
        h("td", {}, dayOf(m.next_at)), h("td", {}, m.next_km ?? "")))));
  }
  parts.push(h("h3", {}, t("s3.cases")));
  parts.push(list.length === 0 ? h("p", { class: "muted" }, t("s3.none")) : table("cases",
    [t("s3.kind"), t("s3.plate"), t("s3.opened"), t("s3.updated")],
    list.map((c) => h("tr", { "data-case": c.id, "data-kind": c.kind },
      h("td", {}, h("a", { href: "#/case/" + c.id }, t("s3.kind." + c.kind))),
      h("td", {}, c.vehicle || ""), h("td", {}, timeOf(c.opened_at)), h("td", {}, timeOf(c.updated_at))))));
  show(...parts);
}

// ---- one case: what it holds, its facts, what the caller may do now ----
function summary(kind, s, facts) {
  const first = (facts[0] && facts[0].data) || {};
  switch (kind) {
    case "vehicle_repair":
      return [
        h("p", {}, t("s3.plate"), ": ", s.plate, " · ", t("s3.fault"), ": ", first.fault || ""),
        table("items", [t("s3.code"), t("s3.description"), t("s3.item_kind"), t("s3.estimate")],
          s.items.concat(s.proposals).map((i) => h("tr", { "data-item": i.code },
            h("td", {}, i.code), h("td", {}, i.description), h("td", {}, t("s3.item." + i.kind)), h("td", {}, money(s.quotes[i.code] ?? i.estimate))))),
        s.shop ? h("p", {}, t("s3.shop"), ": ", s.shop) : null,
      ];
    case "requisition":
      return [
        h("p", {}, t("s3.department"), ": ", s.department),
        table("lines", [t("s3.item"), t("s3.asked"), t("s3.issued")],
          s.requested.map(([item, n]) => h("tr", { "data-item": item }, h("td", {}, item), h("td", {}, n), h("td", {}, s.issued[item] || 0)))),
      ];
    case "vehicle_log":
      return [h("p", {}, t("s3.plate"), ": ", s.plate, " · ", t("s3.trips"), ": ", s.trips.length, " · ", t("s3.refuels"), ": ", s.refuels.length, " · ", t("s3.services"), ": ", s.services.length)];
    case "stock_count":
      return [h("p", {}, t("s3.quarter"), ": ", `${s.sheet.quarter.year}-Q${s.sheet.quarter.q}`, " · ", t("s3.as_of"), ": ", timeOf(s.sheet.at), " · ", s.confirmed_at ? t("s3.confirmed") : t("s3.unconfirmed"))];
    case "purchase_plan":
      return [table("lines", [t("s3.item"), t("s3.asked"), t("s3.received")],
        s.lines.map((l) => h("tr", { "data-item": l.item }, h("td", {}, l.item), h("td", {}, l.quantity), h("td", {}, s.received[l.item] || 0))))];
    default:
      return [];
  }
}

function actionPanel(id, actions) {
  const box = h("div", { id: "case-actions", class: "panel" });
  const send = (fact) => post(`/api/v1/cases/${id}/facts`, fact).then(() => s3Case(id), fail);
  for (const a of actions) {
    const [name, arg] = a.name.split(":");
    if (name === "note") {
      const text = h("textarea", { id: "note-text", rows: 2, cols: 50, "aria-label": t("s3.action.note") });
      box.append(h("p", {}, text, " ", h("button", { id: "do-note", on: { click: () => {
        const fact = structuredClone(a.fact);
        Object.values(fact)[0].data.text = text.value;
        send(fact);
      } } }, t("s3.action.note"))));
      continue;
    }
    box.append(h("button", { "data-action": a.name, on: { click: () => send(a.fact) } }, t("s3.action." + name) + (arg ? " " + arg.slice(0, 8) : "")), " ");
  }
  if (!actions.length) box.append(h("span", { class: "muted" }, t("s3.noactions")));
  return box;
}

async function s3Case(id) {
  const v = await api("/api/v1/cases/" + id);
  const kind = v.case.kind, s = v.state || {};
  const status = s.status || (kind === "stock_count" ? (s.confirmed_at ? "confirmed" : "counting") : "open");
  const flags = s.flags || [];
  show(
    h("h2", {}, t("s3.kind." + kind), " ", h("span", { id: "case-status", "data-status": status }, t("s3.status." + status))),
    h("div", { class: "panel", id: "case-summary" }, summary(kind, s, v.facts)),
    actionPanel(id, v.actions),
    h("h3", {}, t("s3.flags")),
    flags.length
      ? h("ul", { id: "flags" }, flags.map((f) => {
        const p = f.problem || f;
        return h("li", { class: "bad", "data-flag": p.kind }, t("s3.problem." + p.kind), f.rule ? ` (${f.rule})` : "");
      }))
      : h("p", { class: "good", id: "flags" }, t("s3.noflags")),
    h("h3", {}, t("s3.facts")),
    table("facts", [t("order.when"), t("s3.fact"), t("order.who")],
      v.facts.map((f) => h("tr", { "data-kind": f.kind }, h("td", {}, timeOf(f.at)), h("td", {}, t("s3.fact." + f.kind)), h("td", {}, t("role." + f.author.role))))),
  );
}

// ---- a department's requisition, at a desk ----
async function s3NewRequisition() {
  const cat = await api("/api/v1/supplies/catalogue");
  const items = Object.values(cat.items || {});
  const dept = h("input", { id: "rq-dept", required: true });
  const lines = h("div", { id: "rq-lines" });
  const addLine = () => lines.append(h("p", { class: "rq-line" },
    h("label", {}, t("s3.item"), " ", h("select", { class: "rq-item" }, items.map((i) => h("option", { value: i.code }, `${i.code} ${i.name}`)))), " ",
    h("label", {}, t("s3.asked"), " ", h("input", { class: "rq-qty", type: "number", min: 1, value: 1, required: true }))));
  addLine();
  const form = h("form", { id: "requisition", on: { submit: (ev) => {
    ev.preventDefault();
    const id = crypto.randomUUID();
    const asked = [...lines.querySelectorAll(".rq-line")].map((p) => ({ item: p.querySelector(".rq-item").value, quantity: +p.querySelector(".rq-qty").value }));
    post("/api/v1/cases", { requisition: { kind: "requested", data: { requisition: id, office: S.me.office.id, department: dept.value, lines: asked } } })
      .then(() => { location.hash = "#/case/" + id; }, fail);
  } } },
  h("label", {}, t("s3.department"), " ", dept), lines,
  h("button", { type: "button", id: "rq-add", on: { click: addLine } }, t("s3.requisition.add")),
  h("button", { id: "rq-submit" }, t("s3.requisition.submit")));
  show(h("h2", {}, t("s3.requisition.new")), form);
}

// ---- the period's figures and their exports ----
async function s3Reports() {
  const period = h("input", { id: "rp-period", value: monthNow(), pattern: "\\d{4}-(\\d{2}|Q[1-4])", "aria-label": t("s3.period") });
  const out = h("div", { id: "reports" });
  const lang = () => (S.lang === "en" ? "&lang=en" : "");
  const exports = (report, sheets) => h("p", {},
    h("button", { id: `x-${report}-xlsx`, on: { click: () => download(`/api/v1/reports/${report}?period=${period.value}&format=xlsx${lang()}`, `${report}-${period.value}.xlsx`) } }, t("month.export"), " XLSX"), " ",
    sheets.map((s) => [h("button", { id: `x-${report}-${s}`, on: { click: () => download(`/api/v1/reports/${report}?period=${period.value}&format=csv&sheet=${s}${lang()}`, `${report}-${s}-${period.value}.csv`) } }, t("month.export"), " CSV · ", t("s3.sheet." + s)), " "]));
  const load = async () => {
    const parts = [];
    if (mayDo("FleetReport")) {
      const r = await api(`/api/v1/reports/fleet?period=${period.value}`);
      parts.push(h("h3", {}, t("s3.report.fleet")),
        table("fleet-costs", [t("s3.plate"), t("s3.repairs"), t("s3.approved"), t("s3.actual")],
          Object.entries(r.costs).map(([p, c]) => h("tr", { "data-plate": p }, h("td", {}, p), h("td", {}, c.repairs), h("td", {}, money(c.approved)), h("td", {}, money(c.actual))))),
        table("fleet-fuel", [t("s3.plate"), t("s3.litres"), t("s3.amount"), t("s3.km"), t("s3.per100")],
          Object.entries(r.fuel).map(([p, c]) => h("tr", { "data-plate": p }, h("td", {}, p), h("td", {}, (c.millilitres / 1000).toFixed(1)), h("td", {}, money(c.amount)), h("td", {}, c.km), h("td", {}, c.ml_per_100km == null ? "" : (c.ml_per_100km / 1000).toFixed(1))))),
        table("fleet-maintenance", [t("s3.plate"), t("s3.serviced"), t("s3.maint.next_at"), t("s3.ontime")],
          r.maintenance.map((m) => h("tr", { "data-plate": m.plate }, h("td", {}, m.plate), h("td", {}, dayOf(m.at)), h("td", {}, dayOf(m.due_at)), h("td", {}, t(m.on_time ? "s3.yes" : "s3.no"))))),
        exports("fleet", ["repairs", "fuel", "maintenance"]));
    }
    if (mayDo("SuppliesReport")) {
      const r = await api(`/api/v1/reports/supplies?period=${period.value}`);
      const issued = Object.entries(r.issued).flatMap(([d, items]) => Object.entries(items).map(([i, a]) => h("tr", {}, h("td", {}, d), h("td", {}, i), h("td", {}, a.units), h("td", {}, money(a.value)))));
      parts.push(h("h3", {}, t("s3.report.supplies")),
        h("p", {}, t("s3.stock_value"), ": ", h("b", { id: "stock-value" }, money(r.stock_value))),
        table("supplies-issued", [t("s3.department"), t("s3.item"), t("s3.units"), t("s3.amount")], issued),
        table("count-register", [t("s3.quarter"), t("s3.item"), t("s3.ledger"), t("s3.counted"), t("s3.difference"), t("s3.overdue")],
          r.counts.flatMap((q) => (q.lines.length ? q.lines : [{ item: "—" }]).map((l) => h("tr", {},
            h("td", {}, `${q.quarter.year}-Q${q.quarter.q}`), h("td", {}, l.item), h("td", {}, l.expected ?? ""),
            h("td", {}, l.count && l.count.kind === "counted" ? l.count.value : ""), h("td", {}, l.delta ?? ""), h("td", {}, t(q.overdue ? "s3.yes" : "s3.no")))))),
        exports("supplies", ["figures", "counts"]));
    }
    out.replaceChildren(...parts);
  };
  show(h("h2", {}, t("s3.reports")),
    h("form", { id: "period", on: { submit: (ev) => { ev.preventDefault(); load().catch(fail); } } },
      h("label", {}, t("s3.period"), " ", period), h("button", { id: "rp-load" }, t("s3.show"))),
    out);
  await load();
}
