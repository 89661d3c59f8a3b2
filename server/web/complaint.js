// baoxiu web console: one complaint — its deadlines (both of R-CPL-DECIDE's and a
// regulator's reply date), the decision with its remedies, the referral and its written
// report, and the history. Only the steps the caller's role may take now are offered.
"use strict";

const REMEDIES = ["repair", "replace", "redo", "compensation", "apology", "explanation"];
const REPLY_FORMS = ["written_report", "letter", "email", "online_system"];

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
  return h("form", { id: "decide", on: onSubmit(() => post(`/api/v1/complaints/${id}/actions`, {
    action: "decide", outcome: outcome.value, text: text.value, remedies: [...rows.children].map((r) => r.value()),
  }).then(() => complaintPage(id))) },
  h("h3", {}, t("complaints.decide")), field(t("complaint.outcome"), outcome), h("br"), field(t("complaint.decisionText"), text),
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

async function complaintPage(id) {
  const v = await api(`/api/v1/complaints/${id}`);
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
  parts.push(h("h3", {}, t("complaint.history")),
    table("complaint-history", ["", t("complaint.step"), t("complaint.note")],
      c.history.map((e) => h("tr", {}, h("td", {}, e.day), h("td", { "data-kind": e.kind }, t("complaint.step." + e.kind)), h("td", {}, e.note)))));
  show(...parts);
}
