// baoxiu web console: customers (S5) — the list and search, the review of doubtful links,
// a customer's page with the whole history, key accounts, the customer pyramid from paid
// revenue and the churn report. Only what the caller's role may do is offered.
"use strict";

const CUSTOMER_KINDS = ["unit", "owner", "tenant", "owners_committee", "corporate_tenant"];
const CHURN_TYPES = ["natural", "malicious", "competitive", "fault"];
const CHURN_CAUSES = ["value", "system", "staff"];
const TIERS = ["vip", "major", "ordinary", "small"];

const customerLink = (c) => h("a", { href: "#/customer/" + c.id, class: "customer" }, c.name, " · ", c.unit);
const tierTag = (tier) => h("span", { class: "tag tier-" + tier, "data-tier": tier }, t("customer.tier." + tier));

function customerForm(id, c, done) {
  const kind = h("select", { id: id + "-kind" }, options(CUSTOMER_KINDS.map((k) => [k, t("customer.kind." + k)]), c ? c.kind : "owner"));
  const name = h("input", { id: id + "-name", required: true, value: c ? c.name : "" });
  const unit = h("input", { id: id + "-unit", required: true, value: c ? c.unit : "" });
  const phones = h("input", { id: id + "-phones", size: 30, value: c ? c.phones.join(", ") : "", placeholder: t("customer.phonesHint") });
  const note = h("input", { id: id + "-note", size: 30, value: c ? c.note : "" });
  const body = () => ({ kind: kind.value, name: name.value, unit: unit.value, note: note.value,
    phones: phones.value.split(/[,、;]/).map((p) => p.trim()).filter((p) => p) });
  return h("form", { id, on: onSubmit(async () => done(body())) },
    field(t("customer.kind"), kind), " ", field(t("customer.name"), name), " ", field(t("customer.unit"), unit), " ",
    field(t("customer.phones"), phones), " ", field(t("customer.note"), note), " ",
    h("button", {}, c ? t("customer.save") : t("customers.add")));
}

// The links waiting for a person: confirm the customer linked, or move to the candidate.
function reviewSection(items, back) {
  if (!items.length) return null;
  const itemLink = (r) => h("a", { href: (r.kind === "order" ? "#/order/" : "#/complaint/") + r.item }, t("customers.item." + r.kind));
  const settle = (r, customer) => {
    const keep = document.getElementById("rv-phone-" + r.item);
    return post("/api/v1/customers/review", { kind: r.kind, item: r.item, customer, add_phone: !!(keep && keep.checked) }).then(back);
  };
  return [h("h3", { id: "review-title" }, t("customers.review"), " (", items.length, ")"), h("p", {}, t("customers.reviewHint")),
    table("review", [t("customers.item"), t("customers.says"), t("customers.doubt"), t("customers.linkedTo"), t("customers.candidate"), ""],
      items.map((r) => h("tr", { "data-item": r.item },
        h("td", {}, itemLink(r)),
        h("td", {}, r.name, " · ", r.unit, " · ", r.phone),
        h("td", {}, t("customers.doubt." + r.doubt)),
        h("td", {}, h("a", { href: "#/customer/" + r.customer }, r.customer_label)),
        h("td", {}, r.candidate && r.candidate !== r.customer ? h("a", { href: "#/customer/" + r.candidate }, r.candidate_label) : "—"),
        h("td", {},
          mayDo("EditCustomers") ? [
            h("label", {}, h("input", { type: "checkbox", id: "rv-phone-" + r.item }), t("customers.keepPhone")), " ",
            h("button", { type: "button", class: "rv-confirm", on: { click: () => settle(r, r.customer).catch(fail) } }, t("customers.confirm")),
            r.candidate && r.candidate !== r.customer ? h("button", { type: "button", class: "rv-move", on: { click: () => settle(r, r.candidate).catch(fail) } }, t("customers.moveToCandidate")) : null,
          ] : null))))];
}

async function customers(q = "", keyOnly = false) {
  const qs = new URLSearchParams({ limit: "100" });
  if (q) qs.set("q", q);
  if (keyOnly) qs.set("key_accounts", "true");
  const [list, review] = await Promise.all([api("/api/v1/customers?" + qs), api("/api/v1/customers/review")]);
  const search = h("input", { id: "cu-search", value: q, placeholder: t("customers.search") });
  const keys = h("input", { id: "cu-keys", type: "checkbox", checked: keyOnly });
  const links = [
    mayDo("CustomerReports") ? h("a", { href: "#/customers/tiers", id: "to-tiers" }, t("customers.tiers")) : null, " ",
    mayDo("CustomerReports") ? h("a", { href: "#/customers/churn", id: "to-churn" }, t("customers.churn")) : null];
  show(h("h2", {}, t("customers.title")), h("p", {}, links),
    h("form", { id: "cu-find", on: onSubmit(() => customers(search.value.trim(), keys.checked)) },
      field(t("customers.search"), search), " ", h("label", {}, keys, t("customers.keyOnly")), " ", h("button", {}, t("customers.find"))),
    list.length ? table("customer-list", [t("customer.name"), t("customer.kind"), t("customer.phones"), t("customer.keyAccount"), t("customer.churned")],
      list.map((c) => h("tr", { "data-id": c.id },
        h("td", {}, customerLink(c)), h("td", {}, t("customer.kind." + c.kind)), h("td", {}, c.phones.join(", ")),
        h("td", {}, c.key_account ? "★" : ""), h("td", {}, c.churn ? c.churn.on : ""))))
      : h("p", { id: "customer-list", class: "empty" }, t("customers.none")),
    reviewSection(review, () => customers(q, keyOnly)),
    mayDo("EditCustomers") ? [h("h3", {}, t("customers.add")), customerForm("cu-new", null, async (b) => {
      const c = await post("/api/v1/customers", b);
      location.hash = "#/customer/" + c.id;
    })] : null);
}

function churnForm(id) {
  const on = h("input", { id: "ch-on", type: "date", required: true });
  const type = h("select", { id: "ch-type" }, options(CHURN_TYPES.map((k) => [k, t("churn.type." + k)]), "natural"));
  const cause = h("select", { id: "ch-cause" }, options(CHURN_CAUSES.map((k) => [k, t("churn.cause." + k)]), "value"));
  const note = h("input", { id: "ch-note", size: 30 });
  return h("form", { id: "churn", on: onSubmit(() => post(`/api/v1/customers/${id}/churn`, { on: on.value, type: type.value, cause: cause.value, note: note.value })
    .then(() => customerPage(id))) },
  h("h3", {}, t("customer.recordChurn")), field(t("customer.churnOn"), on), " ", field(t("churn.type"), type), " ", field(t("churn.cause"), cause), " ",
  field(t("customer.note"), note), " ", h("button", {}, t("customer.recordChurn")));
}

async function customerPage(id) {
  const p = await api("/api/v1/customers/" + id);
  const c = p.customer;
  const manage = mayDo("ManageCustomers");
  const keyBtn = manage ? h("button", { type: "button", id: "key-toggle", on: { click: () => api(`/api/v1/customers/${id}/key-account`, { method: "PUT", body: JSON.stringify({ key_account: !c.key_account }) })
    .then(() => customerPage(id)).catch(fail) } }, c.key_account ? t("customer.unflagKey") : t("customer.flagKey")) : null;
  const churn = c.churn ? h("p", { id: "churned", class: "bad" }, t("customer.churned"), ": ", c.churn.on, " · ", t("churn.type." + c.churn.type), " · ", t("churn.cause." + c.churn.cause), c.churn.note ? " · " + c.churn.note : "",
    manage ? [" ", h("button", { type: "button", id: "churn-withdraw", on: { click: () => api(`/api/v1/customers/${id}/churn`, { method: "DELETE" }).then(() => customerPage(id)).catch(fail) } }, t("customer.withdrawChurn"))] : null) : null;
  show(h("h2", { id: "customer-title" }, c.name, " · ", c.unit, " ", tierTag(c.tier), c.key_account ? h("span", { class: "tag", id: "key-account" }, "★ ", t("customer.keyAccount")) : null),
    h("p", {}, h("a", { href: "#/customers" }, t("customers.title"))),
    h("p", { id: "customer-facts" }, t("customer.kind." + c.kind), " · ", c.phones.join(", ") || "—", " · ", t("customer.revenue"), " ", money(c.revenue),
      " · ", t("customer.openOrders"), " ", c.open_orders, " · ", t("customer.openComplaints"), " ", c.open_complaints, c.note ? " · " + c.note : ""),
    keyBtn, churn,
    mayDo("ListOrders") && mayDo("Intake") ? h("p", {}, h("a", { href: "#/intake?customer=" + id, id: "new-order-for" }, t("customer.newOrder"))) : null,
    h("h3", {}, t("customer.orders"), " (", p.orders.length, ")"),
    p.orders.length ? table("customer-orders", [t("customer.col.logged"), t("customer.col.description"), t("customer.col.status"), t("customer.col.total")],
      p.orders.map((o) => h("tr", {}, h("td", {}, when(o.logged_at)), h("td", {}, h("a", { href: "#/order/" + o.id }, o.description)),
        h("td", {}, t("status." + o.status)), h("td", {}, money(o.total))))) : h("p", { class: "empty", id: "customer-orders" }, "—"),
    h("h3", {}, t("customer.complaints"), " (", p.complaints.length, ")"),
    p.complaints.length ? table("customer-complaints", [t("customer.col.received"), t("complaints.subject"), t("customer.col.status")],
      p.complaints.map((x) => h("tr", {}, h("td", {}, x.received_day), h("td", {}, h("a", { href: "#/complaint/" + x.id }, x.subject)),
        h("td", {}, t("complaint.status." + x.status))))) : h("p", { class: "empty", id: "customer-complaints" }, "—"),
    h("h3", {}, t("customer.contacts"), " (", p.contacts.length, ")"),
    p.contacts.length ? table("customer-contacts", [t("frontdoor.when"), t("frontdoor.kind"), t("frontdoor.summary"), t("frontdoor.outcome")],
      p.contacts.map((x) => h("tr", {}, h("td", {}, when(x.received_at)), h("td", {}, t("frontdoor.kind." + x.kind)), h("td", {}, x.summary),
        h("td", {}, outcomeCell({ ...x, outcome: x.outcome }))))) : h("p", { class: "empty", id: "customer-contacts" }, "—"),
    h("h3", {}, t("customer.callbacks"), " (", p.callbacks.length, ")"),
    p.callbacks.length ? table("customer-callbacks", [t("customer.col.planned"), t("cb.method"), t("customer.col.status"), t("cb.satisfaction")],
      p.callbacks.map((cb) => h("tr", {}, h("td", {}, when(cb.planned_at)), h("td", {}, t("cb.method." + cb.method)), h("td", {}, t("cb." + cb.status)),
        h("td", {}, cb.satisfaction != null ? String(cb.satisfaction) : "")))) : h("p", { class: "empty", id: "customer-callbacks" }, "—"),
    reviewSection(p.in_review, () => customerPage(id)),
    mayDo("EditCustomers") ? [h("h3", {}, t("customer.edit")), customerForm("cu-edit", c, (b) => api("/api/v1/customers/" + id, { method: "PUT", body: JSON.stringify(b) }).then(() => customerPage(id)))] : null,
    manage && !c.churn ? churnForm(id) : null);
}

async function customerTiers(month) {
  const m = month || monthNow();
  const r = await api("/api/v1/customers/tiers?month=" + m);
  const pick = h("input", { id: "tiers-month", type: "month", value: m });
  show(h("h2", {}, t("customers.tiers")), h("p", {}, h("a", { href: "#/customers" }, t("customers.title"))),
    h("form", { id: "tiers-form", on: onSubmit(() => customerTiers(pick.value)) }, field(t("customers.tiersUntil"), pick), " ", h("button", {}, t("customers.show")), " ",
      h("button", { type: "button", id: "tiers-csv", on: { click: () => download(`/api/v1/customers/tiers?month=${m}&format=csv&lang=${S.lang === "en" ? "en" : "zh"}`, `customer-tiers-${m}.csv`).catch(fail) } }, t("month.export"))),
    h("p", { id: "tiers-period" }, t("customers.tiersPeriod"), " ", r.from, " – ", r.to, " · ", t("customers.tierShares"), " ", r.vip_percent, "% / ", r.major_percent, "% / ", r.ordinary_percent, "%"),
    table("tier-totals", [t("customer.tier"), t("customers.count"), t("customer.revenue")],
      r.tiers.map((x) => h("tr", { "data-tier": x.tier }, h("td", {}, tierTag(x.tier)), h("td", {}, String(x.customers)), h("td", {}, money(x.revenue))))),
    r.customers.length ? table("tier-customers", [t("customer.name"), t("customer.tier"), t("customer.revenue"), t("customer.keyAccount")],
      r.customers.map((l) => h("tr", { "data-id": l.id }, h("td", {}, customerLink(l)), h("td", {}, tierTag(l.tier)), h("td", {}, money(l.revenue)), h("td", {}, l.key_account ? "★" : ""))))
      : h("p", { class: "empty", id: "tier-customers" }, t("customers.noRevenue")));
}

async function customerChurn(from, months) {
  const f = from || monthNow();
  const n = months || 12;
  const r = await api(`/api/v1/customers/churn?from=${f}&months=${n}`);
  const pick = h("input", { id: "churn-from", type: "month", value: f });
  const count = h("input", { id: "churn-months", type: "number", min: 1, max: 24, value: n });
  const cell = (type, cause) => (r.table.find((x) => x.type === type && x.cause === cause) || { customers: 0 }).customers;
  show(h("h2", {}, t("customers.churn")), h("p", {}, h("a", { href: "#/customers" }, t("customers.title"))),
    h("form", { id: "churn-form", on: onSubmit(() => customerChurn(pick.value, Number(count.value))) }, field(t("customers.from"), pick), " ", field(t("customers.months"), count), " ", h("button", {}, t("customers.show"))),
    h("p", { id: "churn-total" }, r.from, " – ", r.until, " · ", t("customers.left"), " ", r.total),
    table("churn-table", [t("churn.type"), ...CHURN_CAUSES.map((c) => t("churn.cause." + c))],
      CHURN_TYPES.map((ty) => h("tr", { "data-type": ty }, h("td", {}, t("churn.type." + ty)), CHURN_CAUSES.map((c) => h("td", { "data-cause": c }, String(cell(ty, c))))))),
    r.customers.length ? table("churn-customers", [t("customer.name"), t("customer.churnOn"), t("churn.type"), t("churn.cause")],
      r.customers.map((c) => h("tr", {}, h("td", {}, customerLink(c)), h("td", {}, c.churn.on), h("td", {}, t("churn.type." + c.churn.type)), h("td", {}, t("churn.cause." + c.churn.cause))))) : null);
}
