// baoxiu web console: the desk's screens — intake with today's bookings, the fee
// schedule, billing and complaints. Built from DOM nodes (dom.js); only what the caller's
// role may do is offered (the server's policy, from /api/v1/me).
"use strict";

// ---- intake, and today's bookings (the front desk's home) ----
// From a customer's page (S5) the form comes filled in and the order is theirs for sure.
async function intake(customerId) {
  const cu = customerId ? (await api("/api/v1/customers/" + customerId)).customer : null;
  const name = h("input", { id: "in-name", required: true, autocomplete: "off", value: cu ? cu.name : "" });
  const unit = h("input", { id: "in-unit", required: true, value: cu ? cu.unit : "" });
  const phone = h("input", { id: "in-phone", required: true, type: "tel", value: cu && cu.phones.length ? cu.phones[0] : "" });
  const at = h("input", { id: "in-at", type: "datetime-local" });
  const channel = h("select", { id: "in-channel" }, options(["phone", "walk_in", "app", "verbal"].map((c) => [c, t("channel." + c)])));
  const desc = h("input", { id: "in-desc", required: true, size: 40 });
  const form = h("form", { id: "intake", on: onSubmit(async () => {
    // R-APPOINT: the visit is booked with the caller at intake when they agree a time.
    const o = await post("/api/v1/orders", { customer: { name: name.value, unit: unit.value, phone: phone.value }, channel: channel.value, description: desc.value, appointment: at.value ? new Date(at.value).getTime() : null, customer_id: cu ? cu.id : null });
    location.hash = "#/order/" + o.id;
  }) }, field(t("intake.name"), name), field(t("intake.unit"), unit), field(t("intake.phone"), phone),
    field(t("intake.appointment"), at), field(t("intake.channel"), channel), field(t("intake.description"), desc), " ",
    h("button", { id: "in-submit" }, t("intake.submit")));
  // Today's visits, in the office's day: what the desk tells callers and visitors.
  const today = new Date().toLocaleDateString("sv-SE", { timeZone: S.me.office.time_zone });
  const pages = await Promise.all(["assigned", "scheduled", "on_site", "in_progress"].map((st) => api(`/api/v1/orders?status=${st}&limit=500`).catch(() => ({ items: [] }))));
  const visits = pages.flatMap((p) => p.items)
    .filter((o) => o.appointment && new Date(o.appointment).toLocaleDateString("sv-SE", { timeZone: S.me.office.time_zone }) === today)
    .sort((a, b) => a.appointment - b.appointment);
  // R-CS-TRAINING: an agent not trained for duty is told why the hotline's doors are shut.
  const untrained = S.me.role === "cs_agent" && !S.me.on_duty_until
    ? h("p", { id: "untrained", class: "tag", role: "alert" }, t("training.untrained")) : null;
  show(h("h2", {}, t("intake.title")), untrained, cu ? h("p", { id: "intake-for" }, t("intake.forCustomer"), " ", customerLink(cu)) : null, form,
    h("h3", {}, t("intake.today"), " ", h("span", { class: "count" }, visits.length)),
    visits.length ? table("today", [t("order.appointment"), t("intake.unit"), t("order.customer"), t("intake.description"), ""],
      visits.map((o) => h("tr", { "data-order": o.id }, h("td", {}, timeOf(o.appointment)), h("td", {}, h("a", { href: "#/order/" + o.id }, o.unit)),
        h("td", {}, o.customer_name), h("td", {}, o.description), h("td", {}, t("status." + o.status))))) : h("p", { class: "muted", id: "today-none" }, t("board.empty")));
  name.focus();
}

// ---- fee schedule (R-PAID, R-SERVICE-LIST) ----
async function schedule() {
  const cur = await api("/api/v1/fee-schedule").catch(() => null);
  const parts = [
    h("h2", {}, t("schedule.title"), cur ? " v" + cur.version + " · " + t("schedule.from") + " " + timeOf(cur.effective_from) : ""),
    cur ? null : h("p", { class: "muted", id: "no-schedule" }, t("schedule.none")),
    table("schedule", [t("schedule.code"), t("order.item"), t("schedule.category"), t("order.materials"), t("order.labour")], cur ? cur.items.map((i) => h("tr", { "data-item": i.code },
      h("td", {}, i.code), h("td", {}, i.name), h("td", {}, i.category), h("td", {}, i.free ? t("schedule.free") : money(i.materials)), h("td", {}, i.free ? "" : money(i.labour)))) : []),
  ];
  if (mayDo("PublishSchedule")) {
    const csv = h("textarea", { id: "sc-csv", rows: 12, cols: 90, "aria-label": t("schedule.csv") });
    csv.value = cur ? cur.items.map((i) => [i.code, i.name, i.category, decimal(i.materials), decimal(i.labour), i.free ? "free" : ""].join(",")).join("\n") : "";
    const from = h("input", { id: "sc-from", type: "datetime-local" });
    parts.push(h("form", { id: "publish", on: onSubmit(() => {
      const cents = (x) => Math.round(+x * 100);
      const items = csv.value.split("\n").map((l) => l.trim()).filter(Boolean).map((l) => {
        const [code, name, category, materials, labour, free] = l.split(",").map((x) => (x || "").trim());
        return { code, name, category, materials: cents(materials || 0), labour: cents(labour || 0), free: free === "free" };
      });
      return post("/api/v1/fee-schedule", { effective_from: from.value ? new Date(from.value).getTime() : Date.now(), items }).then(schedule);
    }) }, h("h3", {}, t("schedule.publish")), h("p", { class: "muted" }, t("schedule.csv")), csv, h("br"), field(t("schedule.effective"), from), " ", h("button", { id: "do-publish" }, t("schedule.publish"))));
  }
  show(...parts);
}

// ---- billing (R-COLLECT): the finance clerk's and the administrator's home ----
async function billing() {
  const [rc, co] = await Promise.all([api("/api/v1/billing?stage=receipt"), api("/api/v1/billing?stage=collection")]);
  const days = (ms) => (ms / 86400000).toFixed(1);
  const heads = [t("intake.unit"), t("order.customer"), t("intake.phone"), t("order.total"), t("billing.receipt"), t("billing.age")];
  const rows = (q) => (q.items.length ? q.items.map((r) => h("tr", { "data-billing": r.id }, h("td", {}, h("a", { href: "#/order/" + r.id }, r.unit)), h("td", {}, r.customer_name),
    h("td", {}, r.phone), h("td", {}, money(r.total)), h("td", {}, r.receipt || ""), h("td", {}, days(r.age_ms), r.overdue ? [" ", h("span", { class: "tag overdue" }, t("billing.overdue"))] : null)))
    : h("tr", {}, h("td", { colspan: 6, class: "muted" }, t("board.empty"))));
  // The administrator's other desk task: orders logged and not yet handed over (R-HANDOVER).
  const handover = mayDo("HandOver") ? await api("/api/v1/orders?status=logged&limit=100").catch(() => null) : null;
  show(h("h2", {}, t("billing.title")), h("p", { class: "muted" }, t("billing.overdue_after"), " ", rc.overdue_days),
    handover ? [h("h3", {}, t("billing.to_handover"), " ", h("span", { class: "count" }, handover.total)),
      table("to-handover", [t("intake.unit"), t("order.customer"), t("intake.description"), t("order.when")], handover.items.map((o) => h("tr", { "data-order": o.id },
        h("td", {}, h("a", { href: "#/order/" + o.id }, o.unit)), h("td", {}, o.customer_name), h("td", {}, o.description), h("td", {}, timeOf(o.logged_at)))))] : null,
    h("h3", {}, t("billing.to_receipt")), table("to-receipt", heads, rows(rc)),
    h("h3", {}, t("billing.to_collect")), table("to-collect", heads, rows(co)));
}

// ---- complaints ----
async function complaints() {
  const list = await api("/api/v1/complaints");
  const act = (sel, id) => {
    const v = sel.value;
    // R-CPL-DECIDE: a decision names its remedies, on the complaint's own page.
    if (v === "decide") { location.hash = "#/complaint/" + id; return; }
    const body = v === "accept" || v === "refuse" ? { action: "answer", decision: v, reason: v === "refuse" ? prompt(t("action.reason")) : null }
      : { action: v };
    post(`/api/v1/complaints/${id}/actions`, body).then(complaints, fail);
  };
  const rows = list.map((v) => {
    const c = v.complaint, d = v.next_deadline;
    const mark = d ? (d.overdue ? h("span", { class: "tag" }, t("complaints.overdue")) : d.at_risk ? h("span", { class: "tag warn" }, t("complaints.atrisk")) : null) : null;
    const choices = [["", t("complaints.action")], ["material", t("complaints.material")], ["accept", t("complaints.accept")], ["refuse", t("complaints.refuse")]];
    if (mayDo("DecideComplaint")) choices.push(["decide", t("complaints.decide")]);
    choices.push(["told", t("complaints.told")]);
    const sel = mayDo("ActOnComplaint") ? h("select", { class: "cp-act", "aria-label": t("complaints.action") }, options(choices, "")) : null;
    if (sel) sel.addEventListener("change", () => act(sel, c.id));
    return h("tr", { "data-complaint": c.id }, h("td", {}, c.received_day), h("td", {}, c.complainant), h("td", {}, h("a", { href: "#/complaint/" + c.id }, c.subject)),
      h("td", { "data-status": v.status }, t("complaint.status." + v.status)), h("td", {}, d ? d.due + " (" + d.working_days_left + ")" : "", mark,
        // R-CPL-REFERRAL: a regulator's reply date, until the written report is sent.
        v.referral_deadline ? h("span", { class: "tag" + (v.referral_deadline.overdue ? "" : " warn"), "data-referral": v.referral_deadline.due }, t("complaint.referral"), " ", v.referral_deadline.due) : null),
      h("td", {}, sel));
  });
  const parts = [h("h2", {}, t("complaints.title"), mayDo("Quality") ? [" ", h("a", { href: "#/complaints/analysis", id: "to-analysis", class: "small" }, t("analysis.title"))] : null),
    table("complaints", ["", t("complaints.complainant"), t("complaints.subject"), "", t("complaints.due") + " (" + t("complaints.left") + ")", ""], rows)];
  if (mayDo("RecordComplaint")) {
    const channel = h("select", { id: "cp-channel" }, options(["hotline", "fax", "letter", "walk_in", "email", "online", "other"].map((c) => [c, t("complaint.channel." + c)])));
    const who = h("input", { id: "cp-who", required: true });
    const unit = h("input", { id: "cp-unit", required: true });
    const subject = h("input", { id: "cp-subject", required: true });
    const complete = h("input", { type: "checkbox", id: "cp-complete", checked: true });
    const cust = h("input", { type: "checkbox", id: "cp-cust", checked: true });
    parts.push(h("form", { id: "new-complaint", on: onSubmit(() => post("/api/v1/complaints", { channel: channel.value, complainant: who.value, unit: unit.value, subject: subject.value, by_customer_or_agent: cust.checked, material_complete: complete.checked }).then(complaints)) },
      h("h3", {}, t("complaints.new")), field(t("complaints.channel"), channel), field(t("complaints.complainant"), who), field(t("intake.unit"), unit), field(t("complaints.subject"), subject),
      h("label", {}, complete, " ", t("complaints.complete")), h("label", {}, cust, " ", t("complaints.byCustomer")), " ", h("button", {}, t("complaints.new"))));
  }
  show(...parts);
}
