// baoxiu web console: one complaint — its deadlines (both of R-CPL-DECIDE's and a
// regulator's reply date), the decision with its remedies, the referral and its written
// report, and the history. Only the steps the caller's role may take now are offered.
"use strict";

const REMEDIES = ["repair", "replace", "redo", "compensation", "apology", "explanation"];
const REPLY_FORMS = ["written_report", "letter", "email", "online_system"];
const ROOT_CAUSES = ["staff", "process", "materials", "contractor", "communication", "external", "other"];

function deadlineLine(label, d) {
  if (!d) return null;
  const mark = d.overdue ? h("span", { class: "tag" }, t("complaints.overdue")) : d.at_risk ? h("span", { class: "tag warn" }, t("complaints.atrisk")) : null;
  return h("p", { class: "deadline", "data-kind": d.kind }, label, ": ", t("complaint.deadline." + d.kind), " ", d.due, " (", t("complaints.left"), " ", d.working_days_left, ") ", mark);
}

function remedyText(r) {
  return [t("complaint.remedy." + r.kind), r.order ? h("a", { href: "#/order/" + r.order }, t("complaint.redoOrder")) : null,
    r.amount != null ? money(r.amount) : null, r.note || null].filter((x) => x != null).flatMap((x, i) => (i ? [" · ", x] : [x]));
}

// A remedy row of the decision form: kind, the redo order, the amount, a note.
function remedyRow() {
  const kind = h("select", { class: "rm-kind", "aria-label": t("complaint.remedy") }, options(REMEDIES.map((k) => [k, t("complaint.remedy." + k)]), "repair"));
  const order = h("input", { class: "rm-order", "aria-label": t("complaint.redoOrder"), size: 36, placeholder: t("complaint.redoOrder") });
  const amount = h("input", { class: "rm-amount", type: "number", min: "0.01", step: "0.01", "aria-label": t("complaint.amount"), placeholder: t("complaint.amount") });
  const note = h("input", { class: "rm-note", "aria-label": t("complaint.remedyNote"), placeholder: t("complaint.remedyNote") });
  const row = h("div", { class: "remedy" }, kind, " ", order, " ", amount, " ", note);
  row.value = () => ({ kind: kind.value, order: order.value.trim() || null,
    amount: amount.value ? Math.round(Number(amount.value) * 100) : null, note: note.value });
  return row;
}

function decideForm(id) {
  const outcome = h("select", { id: "cd-outcome" }, options(["upheld", "partly_upheld", "not_upheld"].map((o) => [o, t("complaint.outcome." + o)]), "upheld"));
  const text = h("textarea", { id: "cd-text", required: true, rows: 3, cols: 60 });
  const rows = h("div", { id: "cd-remedies" }, remedyRow());
  const cause = h("select", { id: "cd-cause" }, options([["", "—"], ...ROOT_CAUSES.map((c) => [c, t("complaint.cause." + c)])], ""));
  return h("form", { id: "decide", on: onSubmit(() => post(`/api/v1/complaints/${id}/actions`, {
    action: "decide", outcome: outcome.value, text: text.value, remedies: [...rows.children].map((r) => r.value()), root_cause: cause.value || null,
  }).then(() => complaintPage(id))) },
  h("h3", {}, t("complaints.decide")), field(t("complaint.outcome"), outcome), " ", field(t("complaint.rootCause"), cause), h("br"), field(t("complaint.decisionText"), text),
  h("h4", {}, t("complaint.remedies")), rows,
  h("button", { type: "button", id: "cd-more", on: { click: () => rows.append(remedyRow()) } }, t("complaint.addRemedy")), " ",
  h("button", { id: "cd-submit" }, t("complaints.decide")));
}

function referForm(id) {
  const body = h("input", { id: "rf-body", required: true, size: 30 });
  const ref = h("input", { id: "rf-ref" });
  const due = h("input", { id: "rf-due", type: "date", required: true });
  const form = h("select", { id: "rf-form" }, options(REPLY_FORMS.map((f) => [f, t("complaint.form." + f)]), "written_report"));
  return h("form", { id: "refer", on: onSubmit(() => post(`/api/v1/complaints/${id}/actions`, {
    action: "refer", referral: { body: body.value, reference: ref.value, reply_due: due.value, form: form.value },
  }).then(() => complaintPage(id))) },
  h("h3", {}, t("complaint.refer")), field(t("complaint.referralBody"), body), field(t("complaint.reference"), ref),
  field(t("complaint.replyDue"), due), field(t("complaint.replyForm"), form), " ", h("button", {}, t("complaint.refer")));
}

// R-VISIT-CONTENT: the complaint's call-backs — planned, and recorded here (a problem found
// opens a task for its owner on the call-back workflow's page).
function callbackSection(id, cbs, reload) {
  const rows = cbs.map((cb) => {
    let form = null;
    if (cb.status === "planned") {
      const reached = h("input", { type: "checkbox", class: "ccb-reached", checked: true, "aria-label": t("cb.reached") });
      const score = h("select", { class: "ccb-score", "aria-label": t("cb.satisfaction") }, options([5, 4, 3, 2, 1].map((n) => [String(n), String(n)]), "4"));
      const problems = h("input", { class: "ccb-problems", "aria-label": t("cb.problems"), placeholder: t("cb.problems") });
      form = h("form", { class: "ccb-form", on: onSubmit(() => post(`/api/v1/callbacks/${cb.id}/result`,
        reached.checked ? { reached: true, satisfaction: Number(score.value), problems: problems.value } : { reached: false, problems: problems.value }).then(reload)) },
      h("label", {}, reached, " ", t("cb.reached")), " ", score, " ", problems, " ", h("button", {}, t("cb.record")));
    }
    return h("tr", { "data-callback": cb.id, "data-status": cb.status }, h("td", {}, timeOf(cb.planned_at)), h("td", {}, t("cb.method." + cb.method)),
      h("td", {}, cb.content), h("td", {}, cb.satisfaction != null ? String(cb.satisfaction) : cb.status === "failed" ? t("cb.unreachable") : ""), h("td", {}, form));
  });
  const parts = [h("h3", {}, t("complaint.callbacks")), cbs.length ? table("complaint-callbacks", ["", t("cb.method"), t("cb.content"), t("cb.satisfaction"), ""], rows) : null];
  if (mayDo("Callbacks")) {
    const method = h("select", { id: "ccb-method", "aria-label": t("cb.method") }, options(["phone", "on_site", "online_survey"].map((m) => [m, t("cb.method." + m)]), "phone"));
    const at = h("input", { id: "ccb-at", type: "datetime-local", required: true, "aria-label": t("cb.planned") });
    parts.push(h("form", { id: "plan-callback", on: onSubmit(() => post(`/api/v1/complaints/${id}/callbacks`, { method: method.value, planned_at: new Date(at.value).getTime() }).then(reload)) },
      method, " ", at, " ", h("button", {}, t("complaint.planCallback"))));
  }
  return h("section", { id: "callbacks" }, parts);
}

// R-CPL-EVAL: the rating, who is held to account and for what.
function evaluateForm(id, reload) {
  const rating = h("select", { id: "ev-rating" }, options(["good", "acceptable", "poor"].map((r) => [r, t("complaint.rating." + r)]), "good"));
  const who = h("input", { id: "ev-who", "aria-label": t("complaint.heldWho"), placeholder: t("complaint.heldWho") });
  const what = h("input", { id: "ev-what", size: 40, "aria-label": t("complaint.heldWhat"), placeholder: t("complaint.heldWhat") });
  const note = h("input", { id: "ev-note", size: 40 });
  return h("form", { id: "evaluate", on: onSubmit(() => post(`/api/v1/complaints/${id}/actions`, { action: "evaluate", evaluation: {
    rating: rating.value, note: note.value, accountability: what.value.trim() ? [{ name: who.value, what: what.value }] : [],
  } }).then(reload)) },
  h("h3", {}, t("complaint.evaluate")), field(t("complaint.rating"), rating), h("br"),
  t("complaint.accountability"), " ", who, " ", what, h("br"), field(t("complaint.note"), note), " ", h("button", {}, t("complaint.evaluate")));
}

async function complaintPage(id) {
  const v = await api(`/api/v1/complaints/${id}`);
  const cbs = mayDo("Callbacks") ? await api(`/api/v1/callbacks?complaint=${encodeURIComponent(id)}`).catch(() => []) : [];
  const c = v.complaint, r = c.referral;
  const act = (body) => post(`/api/v1/complaints/${id}/actions`, body).then(() => complaintPage(id), fail);
  const parts = [h("p", {}, h("a", { href: "#/complaints" }, t("complaints.title"))),
    h("h2", {}, c.subject, " ", h("span", { class: "tag", "data-status": v.status }, t("complaint.status." + v.status))),
    h("dl", { id: "complaint" },
      h("dt", {}, t("complaints.complainant")), h("dd", {}, c.complainant, " ", c.contact),
      h("dt", {}, t("intake.unit")), h("dd", {}, c.unit),
      h("dt", {}, t("complaints.channel")), h("dd", {}, t("complaint.channel." + c.channel), " ", c.received_day),
      c.description ? [h("dt", {}, t("intake.description")), h("dd", {}, c.description)] : null,
      c.order ? [h("dt", {}, t("order.title")), h("dd", {}, h("a", { href: "#/order/" + c.order }, c.order.slice(0, 8)))] : null),
    deadlineLine(t("complaints.due"), v.next_deadline),
    deadlineLine(t("complaint.referral"), v.referral_deadline)];
  if (c.decided_day) {
    parts.push(h("section", { id: "decision" }, h("h3", {}, t("complaint.decision")),
      h("p", {}, c.decided_day, " ", t("complaint.outcome." + c.outcome), ": ", c.decision),
      h("ul", { id: "remedies" }, c.remedies.map((x) => h("li", { "data-kind": x.kind }, remedyText(x)))),
      c.tell_due ? h("p", {}, t("complaint.tellDue"), " ", c.tell_due, c.told_day ? [" · ", t("complaints.told"), " ", c.told_day] : null) : null));
  }
  if (r) {
    const report = h("button", { type: "button", id: "rf-report", on: { click: async () => {
      const res = await fetch(`/api/v1/complaints/${id}/report?lang=${S.lang === "en" ? "en" : "zh"}`, { credentials: "same-origin" });
      if (!res.ok) return fail(new Error(String(res.status)));
      window.open(URL.createObjectURL(new Blob([await res.text()], { type: "text/html" })));
    } } }, t("complaint.report"));
    parts.push(h("section", { id: "referral" }, h("h3", {}, t("complaint.referral")),
      h("p", {}, r.body, " ", r.reference, " · ", t("complaint.replyDue"), " ", r.reply_due, " · ", t("complaint.form." + r.form)),
      r.sent ? h("p", { id: "rf-sent" }, t("complaint.reportSent"), " ", r.sent.day, " ", r.sent.note) : null, report));
    if (!r.sent && mayDo("DecideComplaint") && ["decided", "closed", "not_accepted", "transferred"].includes(v.status)) {
      const note = h("input", { id: "rs-note", size: 30 });
      parts.push(h("form", { id: "report-sent", on: onSubmit(() => act({ action: "report_sent", note: note.value })) },
        field(t("complaint.sentNote"), note), " ", h("button", {}, t("complaint.markSent"))));
    }
  } else if (mayDo("RecordComplaint")) {
    parts.push(referForm(id));
  }
  if (v.status === "awaiting_acceptance" && mayDo("DecideComplaint")) {
    parts.push(h("p", {}, h("button", { id: "cd-accept", type: "button", on: { click: () => act({ action: "answer", decision: "accept" }) } }, t("complaints.accept"))));
  }
  if (v.status === "accepted" && mayDo("DecideComplaint")) parts.push(decideForm(id));
  if (v.status === "decided" && mayDo("DecideComplaint")) {
    parts.push(h("p", {}, h("button", { id: "cd-told", type: "button", on: { click: () => act({ action: "told" }) } }, t("complaints.told"))));
  }
  if (mayDo("Callbacks")) parts.push(callbackSection(id, cbs, () => complaintPage(id)));
  const e = c.evaluation;
  if (e) {
    parts.push(h("section", { id: "evaluation" }, h("h3", {}, t("complaint.evaluation")),
      h("p", {}, e.day, " ", t("complaint.rating." + e.rating), " · ", t("complaint.deadlinesKept"), " ", e.deadlines_kept, "/", e.deadlines,
        e.satisfaction != null ? [" · ", t("cb.satisfaction"), " ", e.satisfaction] : null, e.note ? [" · ", e.note] : null),
      e.accountability.length ? h("ul", {}, e.accountability.map((a) => h("li", {}, a.name || a.person, ": ", a.what))) : null));
  } else if (mayDo("DecideComplaint") && ["closed", "not_accepted", "transferred"].includes(v.status)) {
    parts.push(evaluateForm(id, () => complaintPage(id)));
  }
  parts.push(h("h3", {}, t("complaint.history")),
    table("complaint-history", ["", t("complaint.step"), t("complaint.note")],
      c.history.map((e) => h("tr", {}, h("td", {}, e.day), h("td", { "data-kind": e.kind }, t("complaint.step." + e.kind)), h("td", {}, e.note)))));
  show(...parts);
}

// R-CPL-REPORT: the periodic analysis for management — the trend, what the complaints were
// about and what caused them, the deadlines kept, and what is still open today.
async function complaintAnalysis() {
  const now = monthNow();
  const back = (m, n) => { const [y, mm] = m.split("-").map(Number); const d = new Date(Date.UTC(y, mm - 1 - n, 1)); return d.toISOString().slice(0, 7); };
  const from = h("input", { id: "an-from", type: "month", value: S.anFrom || back(now, 5), required: true });
  const months = h("input", { id: "an-months", type: "number", min: 1, max: 24, value: S.anMonths || 6, required: true });
  const q = () => `from=${from.value}&months=${months.value}`;
  const a = await api(`/api/v1/complaints/analysis?${q()}`);
  const pct = (r) => (r.basis_points == null ? "—" : (r.basis_points / 100).toFixed(2) + " %");
  const pairs = (id, map, key) => table(id, ["", ""], Object.entries(map).map(([k, v]) => h("tr", {}, h("td", {}, key ? t(key + k) : k), h("td", {}, typeof v === "object" ? pct(v) : String(v)))));
  show(h("p", {}, h("a", { href: "#/complaints" }, t("complaints.title"))), h("h2", {}, t("analysis.title")),
    h("form", { id: "analysis-period", on: onSubmit(() => { S.anFrom = from.value; S.anMonths = months.value; return complaintAnalysis(); }) },
      field(t("analysis.from"), from), " ", field(t("analysis.months"), months), " ", h("button", {}, t("analysis.show")), " ",
      h("button", { type: "button", id: "an-xlsx", on: { click: () => download(`/api/v1/complaints/analysis?${q()}&format=xlsx${S.lang === "en" ? "&lang=en" : ""}`, `complaint-analysis-${from.value}.xlsx`).catch(fail) } }, t("month.export"), " XLSX")),
    h("h3", {}, t("analysis.trend")),
    table("an-trend", [t("analysis.month"), t("analysis.received"), t("analysis.rate"), t("analysis.onTime"), t("analysis.repeats"), t("analysis.evaluated")],
      a.trend.map((r) => h("tr", { "data-month": r.month }, h("td", {}, r.month), h("td", {}, r.received), h("td", {}, pct(r.complaint_rate)), h("td", {}, pct(r.on_time_handling)), h("td", {}, r.repeat_complaints), h("td", {}, r.evaluated)))),
    h("h3", {}, t("analysis.causes")), pairs("an-causes", a.by_root_cause, "complaint.cause."),
    h("h3", {}, t("analysis.categories")), pairs("an-categories", a.by_category),
    h("h3", {}, t("analysis.deadlines")), pairs("an-deadlines", a.on_time_by_deadline, "complaint.deadline."),
    h("h3", {}, t("analysis.open"), " ", h("span", { class: "count" }, a.open_items.length)),
    table("an-open", ["", t("complaints.complainant"), t("complaints.subject"), t("complaints.due"), ""],
      a.open_items.map((i) => h("tr", { "data-complaint": i.id }, h("td", {}, i.received_day), h("td", {}, i.complainant), h("td", {}, h("a", { href: "#/complaint/" + i.id }, i.subject)),
        h("td", {}, t("complaint.deadline." + i.due_kind), " ", i.due), h("td", {}, i.overdue ? h("span", { class: "tag" }, t("complaints.overdue")) : null)))));
}
