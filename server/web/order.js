// baoxiu web console: one work order — everything it holds, and only the steps the
// caller's role may take on it now (the server's policy, from /api/v1/me). Built from DOM
// nodes (dom.js).
"use strict";

function decodeStrokes(b64) {
  const bin = atob(b64.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((b64.length + 3) % 4));
  const bytes = Array.from(bin, (c) => c.charCodeAt(0));
  let pos = 0;
  const varint = () => { let v = 0, shift = 0, b; do { b = bytes[pos++]; v += (b & 0x7f) * 2 ** shift; shift += 7; } while (b & 0x80); return v; };
  const unzig = (v) => (v % 2 ? -(v + 1) / 2 : v / 2);
  const strokes = [];
  let x = 0, y = 0;
  for (let n = varint(), i = 0; i < n; i++) {
    const s = [];
    for (let m = varint(), j = 0; j < m; j++) { x += unzig(varint()); y += unzig(varint()); s.push([x, y]); }
    strokes.push(s);
  }
  return strokes;
}
function signatureSvg(sig) {
  const strokes = decodeStrokes(sig.strokes);
  const pts = strokes.flat();
  const maxX = Math.max(10, ...pts.map((p) => p[0])) + 10, maxY = Math.max(10, ...pts.map((p) => p[1])) + 10;
  return svg("svg", { class: "sig", id: "signature", viewBox: `0 0 ${maxX} ${maxY}`, width: 320, role: "img", "aria-label": t("order.signature") + ": " + sig.signer },
    strokes.map((s) => svg("path", { d: "M" + s.map((p) => p.join(" ")).join(" L"), fill: "none", stroke: "#1f3a5f", "stroke-width": 2 })));
}

// Who did it, on which device, and when — with the device's own time where the server
// corrected it (R-CLOCK).
function stampText(name, st) {
  return st ? [name(st.by), " · ", timeOf(st.at), st.time_certain ? "" : " (" + t("order.uncertain") + ")"] : [];
}

async function order(id) {
  const [o, users] = await Promise.all([api("/api/v1/orders/" + id), api("/api/v1/users").catch(() => [])]);
  const s = o.state;
  const name = (u) => (users.find((p) => p.id === u) || {}).name || String(u).slice(0, 8);
  const byEvent = Object.fromEntries(s.timeline.map((e) => [e.event, e]));
  const entries = (...kinds) => s.timeline.filter((e) => kinds.includes(e.kind));
  const dl = (...rows) => h("dl", { class: "facts" }, rows.filter(Boolean).map(([k, ...v]) => [h("dt", {}, k), h("dd", {}, ...v)]));
  const historyList = (id2, list) => (list.length ? h("ul", { id: id2 }, list.map((e) => h("li", { "data-kind": e.kind }, t("event." + e.kind), " · ", name(e.author.user), " · ", timeOf(e.at)))) : null);

  const fees = table("fees", [t("order.item"), t("order.materials"), t("order.labour"), t("order.source")],
    s.fees.items.map((i) => h("tr", { "data-line": i.code || "" }, h("td", {}, i.description), h("td", {}, money(i.materials)), h("td", {}, money(i.labour)),
      h("td", {}, i.code ? t("order.fromschedule") + " " + i.code : h("span", { class: "tag warn" }, t("order.offschedule"))))));
  fees.append(h("tr", {}, h("th", {}, t("order.total")), h("th", { colspan: 3, id: "fees-total" }, money(s.fees.total))));
  // R-PAID: what the manager approved against what was agreed on site, when they differ.
  const approved = s.approved && s.approved.total !== s.fees.total
    ? h("p", { id: "fees-approved", class: "warn" }, t("order.approvedfees"), ": ", money(s.approved.total), " → ", t("order.agreedfees"), ": ", money(s.fees.total)) : null;
  const damages = s.damages.length ? [h("h3", {}, t("order.damages")),
    table("damages", [t("order.damage"), t("order.compensation"), t("order.approval"), t("order.settlement"), ""], s.damages.map((d) => h("tr", { "data-damage": d.stamp.event },
      h("td", {}, d.what), h("td", {}, money(d.compensation)), h("td", {}, d.approved == null ? t("order.notapproved") : t("order.approved") + " " + money(d.approved)),
      h("td", {}, d.settled ? t("order.settled." + d.settled) : ""), h("td", { class: "damage-actions" })))),
    h("p", {}, t("order.due"), ": ", h("b", { id: "amount-due" }, money(o.amount_due)))] : [];
  const materials = s.materials.length ? table("materials", [t("order.material"), t("order.supplied"), t("order.result"), t("order.note"), t("order.who")],
    s.materials.map((m) => h("tr", { "data-material": m.name }, h("td", {}, m.name), h("td", {}, t(m.supplied_by_customer ? "order.bycustomer" : "order.byoffice")),
      h("td", { class: m.result === "pass" ? "good" : "bad" }, t("order.pass." + m.result)), h("td", {}, m.note), h("td", {}, stampText(name, m.stamp))))) : h("p", { class: "muted" }, t("order.nomaterials"));
  const consent = s.consent == null ? t("order.noconsent") : s.consent.answer === "given" ? t("order.consent.given")
    : t("order.consent.refused") + ": " + (s.consent.reason || "");
  const custSig = s.customer_signature;
  const sigs = [
    custSig ? [signatureSvg(custSig), h("p", { class: custSig.valid ? "good" : "bad", id: "sig-valid" }, t(custSig.valid ? "order.sigvalid" : "order.siginvalid"), " · ", t("order.signer"), ": ", custSig.signer, " · ", timeOf(custSig.stamp.at))]
      : h("p", { class: "muted" }, t("order.nosig")),
    h("p", { id: "tech-sig" }, t("order.techsig"), ": ", s.technician_signature ? stampText(name, s.technician_signature) : t("order.notyet")),
  ];
  const anomalies = h("ul", { id: "anomalies" }, s.anomalies.length ? s.anomalies.map((a) => {
    const at = a.event && byEvent[a.event];
    const k = a.kind;
    // The anomaly in words, with the numbers that explain it.
    const detail = k.minutes_after_appointment != null ? k.minutes_after_appointment : k.minutes;
    return h("li", { class: "bad", "data-anomaly": k.type }, t("anomaly." + k.type), " (", a.rule, ")",
      detail != null ? [" · ", detail, " ", t("order.minutes")] : null,
      k.agreed != null ? [" · ", money(k.approved), " → ", money(k.agreed)] : null,
      at ? [" · ", t("event." + at.kind), " ", name(at.author.user), " ", timeOf(at.at)] : null);
  }) : h("li", { class: "good" }, t("order.noanomalies")));
  const timeline = table("timeline", ["", t("order.who"), t("order.device"), t("order.when")], s.timeline.map((e) => h("tr", { "data-kind": e.kind },
    h("td", {}, t("event." + e.kind)), h("td", {}, name(e.author.user), " (", t("role." + e.author.role), ")"), h("td", {}, String(e.author.device).slice(0, 8)),
    h("td", {}, timeOf(e.at), e.device_at !== e.at ? h("span", { class: "muted" }, " (" + t("order.devicetime") + " " + timeOf(e.device_at) + ")") : null,
      e.time_certain ? null : h("span", { class: "bad" }, " (" + t("order.uncertain") + ")")))));
  const notes = [...s.notes, s.completion && s.completion.notes].filter(Boolean);

  show(
    h("h2", {}, t("order.title"), " ", h("span", { id: "order-status", "data-status": o.status }, t("status." + o.status))),
    h("div", { class: "panel", id: "customer" }, dl(
      [t("order.customer"), s.customer.name, " · ", s.customer.unit],
      [t("intake.phone"), h("a", { href: "tel:" + s.customer.phone, id: "customer-phone" }, s.customer.phone)],
      [t("intake.description"), s.description],
      [t("intake.channel"), t("channel." + s.channel), " · ", timeOf(s.logged_at)],
      [t("order.appointment"), s.appointment ? [timeOf(s.appointment.at), s.appointment.reschedules ? [" (", t("order.original"), " ", timeOf(s.appointment.original), ", ", t("order.reschedules"), " ", s.appointment.reschedules, ")"] : ""] : t("order.notyet")],
      [t("order.technicians"), s.technicians.length ? s.technicians.map(name).join("、") : t("order.notyet")],
      [t("order.consent"), h("span", { id: "consent" }, consent)],
    )),
    h("div", { id: "actions" }),
    h("h3", {}, t("order.appointments")), historyList("appointment-history", entries("appointment_set", "rescheduled", "arrived")) || h("p", { class: "muted" }, t("order.notyet")),
    h("h3", {}, t("order.assignments")), historyList("assignment-history", entries("handed_over", "received", "assigned")) || h("p", { class: "muted" }, t("order.notyet")),
    h("h3", {}, t("order.fees"), s.paid === false ? " · " + t("order.free") : ""), fees, approved, ...damages,
    h("h3", {}, t("order.materialschecked")), materials,
    h("h3", {}, t("order.notes")), notes.length ? h("ul", { id: "notes" }, notes.map((n) => h("li", {}, n))) : h("p", { class: "muted" }, t("order.nonotes")),
    h("h3", {}, t("order.signature")), ...sigs,
    h("h3", {}, t("order.anomalies")), anomalies,
    h("h3", {}, t("order.timeline")), timeline);
  await orderActions(id, o, s, users, name);
}

async function orderActions(id, o, s, users, name) {
  const act = $("#actions");
  const again = () => order(id);
  const send = (path, body) => post(`/api/v1/orders/${id}/${path}`, body).then(again);
  // R-COPIES: the printable four-part form, and a share link to the customer's copy.
  const shareUrl = h("input", { id: "share-url", readonly: true, size: 60, "aria-label": t("action.share") });
  act.append(h("p", { class: "copies" },
    h("button", { id: "do-print", type: "button", on: { click: async () => {
      const res = await fetch(`/api/v1/orders/${id}/form`, { credentials: "same-origin" });
      const w = window.open(URL.createObjectURL(new Blob([await res.text()], { type: "text/html" })));
      if (w) w.onload = () => w.print();
    } } }, t("action.print")),
    s.customer_signature ? [" ", h("button", { id: "do-share", type: "button", on: { click: () => post(`/api/v1/orders/${id}/share`).then((r) => { shareUrl.value = location.origin + r.url; }, fail) } }, t("action.share")), " ", shareUrl] : null));
  const forms = [];
  // R-HANDOVER: the administrator signs the register and hands the order to a manager.
  if (mayDo("HandOver") && !s.handed_over && !s.received_at && o.status === "logged") {
    const to = h("select", { id: "ho-to" }, options(users.filter((p) => p.role === "dispatcher" && p.active !== false).map((p) => [p.id, p.name])));
    forms.push(h("form", { id: "handover", on: onSubmit(() => send("handover", { to: to.value })) }, field(t("action.handover_to"), to), " ", h("button", { id: "do-handover" }, t("action.handover"))));
  }
  // R-COLLECT: finance receipts a signed paid order; the administrator collects with it.
  if (mayDo("Receipt") && s.fees.paid && s.customer_signature && !s.receipt) {
    const number = h("input", { id: "rc-number", required: true });
    forms.push(h("form", { id: "receipt", on: onSubmit(() => send("receipt", { number: number.value, amount: o.amount_due })) }, field(t("billing.receipt"), number), " ", h("button", { id: "do-receipt" }, t("action.receipt"), " ", money(o.amount_due))));
  }
  if (mayDo("Collect") && s.receipt && !s.collection) {
    const method = h("select", { id: "co-method" }, options([["cash", t("billing.cash")], ["card", t("billing.card")], ["transfer", t("billing.transfer")]]));
    forms.push(h("form", { id: "collect", on: onSubmit(() => send("collection", { amount: o.amount_due, method: method.value, receipt: s.receipt.number })) }, field(t("billing.method"), method), " ", h("button", { id: "do-collect" }, t("action.collect"), " ", money(o.amount_due), " · ", s.receipt.number)));
  }
  // R-PREMISES: the manager approves compensation; finance settles it (paid or credited).
  for (const d of s.damages) {
    const cell = document.querySelector(`tr[data-damage="${CSS.escape(d.stamp.event)}"] .damage-actions`);
    const path = (w) => `damages/${d.stamp.event}/${w}`;
    if (mayDo("Price") && !d.settled) {
      const amount = h("input", { class: "dm-amount", type: "number", value: (d.approved ?? d.compensation) / 100, "aria-label": t("order.compensation") });
      cell.append(amount, h("button", { class: "do-approve-damage", type: "button", on: { click: () => send(path("approval"), { amount: Math.round(+amount.value * 100) }).catch(fail) } }, t("action.approve")));
    }
    if (mayDo("Receipt") && d.approved != null && !d.settled) {
      cell.append(h("button", { class: "do-settle-paid", type: "button", on: { click: () => send(path("settlement"), { how: "paid" }).catch(fail) } }, t("order.settled.paid")));
      if (!s.receipt) cell.append(h("button", { class: "do-settle-credited", type: "button", on: { click: () => send(path("settlement"), { how: "credited" }).catch(fail) } }, t("order.settled.credited")));
    }
  }
  // R-MONTH 零修: the manager may classify the order, overriding the office's rule.
  if (mayDo("Price") && !s.cancelled) {
    const cls = s.small_repair == null ? "" : s.small_repair ? "small" : "project";
    const small = h("select", { id: "cl-small" }, options([["small", t("order.small")], ["project", t("order.project")]], cls));
    const reason = h("input", { id: "cl-reason", required: true });
    forms.push(h("form", { id: "classify", on: onSubmit(() => send("classification", { small: small.value === "small", reason: reason.value })) },
      field(t("order.classification"), small), " ", field(t("action.reason"), reason), " ", h("button", { id: "do-classify" }, t("action.save"))));
  }
  // R-PAID: fees agreed on site that the manager has not approved yet.
  if (mayDo("Price") && s.anomalies.some((a) => a.kind.type === "fees_not_approved")) {
    const reason = h("input", { id: "af-reason", required: true });
    forms.push(h("form", { id: "approve-fees", on: onSubmit(() => send("fees", { items: s.fees.items, paid: s.fees.paid, reason: reason.value })) },
      h("p", { class: "bad" }, t("order.awaiting"), " ", money(s.approved ? s.approved.total : 0), " → ", money(s.fees.total)),
      field(t("action.reason"), reason), " ", h("button", { id: "do-approve-fees" }, t("action.approvefees"))));
  }
  if (mayDo("Receive")) {
    if (o.status === "logged") {
      forms.unshift(h("button", { id: "do-receive", type: "button", on: { click: () => send("receive").catch(fail) } }, t("action.receive")));
    } else if (o.status === "received") {
      // R-PAID: the manager prices from the published schedule (or sets a price of their own).
      const sched = await api("/api/v1/fee-schedule").catch(() => null);
      const paid = h("input", { type: "checkbox", id: "pr-paid", checked: true });
      const code = sched ? h("select", { id: "pr-code" }, h("option", { value: "" }, "—"), options(sched.items.map((i) => [i.code, i.code + " " + i.name]))) : null;
      const desc = h("input", { id: "pr-desc", value: s.description });
      const mat = h("input", { id: "pr-mat", type: "number", value: 0 });
      const lab = h("input", { id: "pr-lab", type: "number", value: 0 });
      const chosen = () => (sched && code.value ? sched.items.find((i) => i.code === code.value) : null);
      if (code) code.addEventListener("change", () => { const i = chosen(); if (i) { desc.value = i.name; mat.value = i.free ? 0 : i.materials / 100; lab.value = i.free ? 0 : i.labour / 100; paid.checked = !i.free; } });
      forms.unshift(h("form", { id: "price", on: onSubmit(() => {
        const line = { description: desc.value, materials: Math.round(+mat.value * 100), labour: Math.round(+lab.value * 100) };
        const i = chosen();
        // A line keeps its schedule code only while it is the schedule's item at its price.
        if (i && line.description === i.name && line.materials === (i.free ? 0 : i.materials) && line.labour === (i.free ? 0 : i.labour)) line.code = i.code;
        return send("pricing", { paid: paid.checked, items: paid.checked ? [line] : [] });
      }) }, h("label", {}, paid, " ", t("action.paid")), " ", code ? field(t("nav.schedule"), code) : null, " ", field(t("order.item"), desc), " ",
        field(t("order.materials"), mat), " ", field(t("order.labour"), lab), " ", h("button", { id: "do-price" }, t("action.price"))));
    } else if (o.status === "priced") {
      const sug = await api(`/api/v1/orders/${id}/suggestions`);
      const tech = h("select", { id: "as-tech", "aria-label": t("action.suggest") }, sug.map((x) => h("option", { value: x.technician }, `${x.rank}. ${name(x.technician)}${x.specialty_match ? " ★" : ""} (${x.load})`)));
      forms.unshift(h("form", { id: "assign", on: onSubmit(() => send("assign", { technicians: [tech.value] })) }, h("h3", {}, t("action.suggest")), tech, " ", h("button", { id: "do-assign" }, t("action.assign"))));
    } else if (o.status === "assigned" && !s.appointment) {
      const at = h("input", { id: "ap-at", type: "datetime-local", required: true });
      forms.unshift(h("form", { id: "appoint", on: onSubmit(() => send("appointment", { at: new Date(at.value).getTime() })) }, field(t("action.appointment"), at), " ", h("button", { id: "do-appoint" }, t("action.save"))));
    }
  }
  act.prepend(...forms);
}
