// baoxiu web console: the one front door (R-CS-CONTACT). Every contact is logged once with
// its channel — the office's list, or "other" with what it was — and becomes a work order
// or a complaint in one step, or is closed with what was said. Whistle-blowing is listed
// only for the manager; the server decides who sees it.
"use strict";

const CONTACT_KINDS = ["enquiry", "repair_report", "complaint", "whistleblowing", "suggestion"];
// A channel of the default list is translated; one the office added shows as it named it.
const channelName = (c) => (S.msgs["frontdoor.channel." + c] ? t("frontdoor.channel." + c) : c);

// One open contact's next step: what it becomes, with the one text that step needs.
function convertForm(x) {
  const to = h("select", { class: "cv-to", "aria-label": t("frontdoor.becomes") }, options([
    mayDo("Intake") ? ["order", t("frontdoor.toOrder")] : null,
    mayDo("RecordComplaint") ? ["complaint", t("frontdoor.toComplaint")] : null,
    ["close", t("frontdoor.toClose")],
  ].filter(Boolean), x.kind === "complaint" ? "complaint" : x.kind === "repair_report" ? "order" : "close"));
  const text = h("input", { class: "cv-text", size: 30, required: true, value: x.kind === "enquiry" || x.kind === "suggestion" ? "" : x.summary, "aria-label": t("frontdoor.stepText") });
  return h("form", { class: "cv-form", on: onSubmit(async () => {
    const path = `/api/v1/contacts/${x.id}/`;
    if (to.value === "close") await post(path + "close", { note: text.value });
    else if (to.value === "order") {
      const done = await post(path + "convert", { to: "order", description: text.value });
      location.hash = "#/order/" + done.outcome.id;
      return;
    } else {
      const done = await post(path + "convert", { to: "complaint", subject: text.value, by_customer_or_agent: true, material_complete: true });
      location.hash = "#/complaint/" + done.outcome.id;
      return;
    }
    await frontDoor();
  }) }, to, " ", text, " ", h("button", {}, t("frontdoor.do")));
}

function outcomeCell(x) {
  const o = x.outcome;
  if (!o) return t("frontdoor.status.open");
  if (o.as === "order") return h("a", { href: "#/order/" + o.id }, t("frontdoor.status.order"));
  if (o.as === "complaint") return h("a", { href: "#/complaint/" + o.id }, t("frontdoor.status.complaint"));
  return [t("frontdoor.status.closed"), ": ", o.note];
}

async function frontDoor() {
  const [{ channels }, log] = await Promise.all([api("/api/v1/contact-channels"), api("/api/v1/contacts?limit=100")]);
  const kind = h("select", { id: "ct-kind" }, options(CONTACT_KINDS.map((k) => [k, t("frontdoor.kind." + k)]), "enquiry"));
  const channel = h("select", { id: "ct-channel" }, options([...channels.map((c) => [c, channelName(c)]), ["other", t("frontdoor.channel.other")]], channels[0]));
  const note = h("input", { id: "ct-note", placeholder: t("frontdoor.otherHint") });
  const caller = h("input", { id: "ct-caller" });
  const unit = h("input", { id: "ct-unit" });
  const phone = h("input", { id: "ct-phone", type: "tel" });
  const summary = h("textarea", { id: "ct-summary", required: true, rows: 2, cols: 50 });
  const form = h("form", { id: "contact-form", on: onSubmit(async () => {
    await post("/api/v1/contacts", { kind: kind.value, channel: channel.value, channel_note: note.value, caller: caller.value, unit: unit.value, phone: phone.value, summary: summary.value });
    await frontDoor();
  }) }, field(t("frontdoor.kind"), kind), " ", field(t("frontdoor.channel"), channel), " ", field(t("frontdoor.channelNote"), note), h("br"),
    field(t("frontdoor.caller"), caller), " ", field(t("frontdoor.unit"), unit), " ", field(t("frontdoor.phone"), phone), h("br"),
    field(t("frontdoor.summary"), summary), " ", h("button", { id: "ct-submit" }, t("frontdoor.log")));
  const untrained = S.me.role === "cs_agent" && !S.me.on_duty_until ? h("p", { id: "untrained", class: "tag", role: "alert" }, t("training.untrained")) : null;
  show(h("h2", {}, t("frontdoor.title")), h("p", { class: "muted" }, t("frontdoor.hint")), untrained, form,
    h("h3", {}, t("frontdoor.log.title"), " ", h("span", { class: "count" }, log.length)),
    log.length ? table("contact-log", [t("frontdoor.when"), t("frontdoor.kind"), t("frontdoor.channel"), t("frontdoor.who"), t("frontdoor.summary"), t("frontdoor.outcome"), ""],
      log.map((x) => h("tr", { "data-contact": x.id, "data-kind": x.kind, "data-status": x.status },
        h("td", {}, when(x.received_at)), h("td", {}, t("frontdoor.kind." + x.kind)),
        h("td", {}, channelName(x.channel), x.channel_note ? " · " + x.channel_note : ""),
        h("td", {}, x.customer ? h("a", { href: "#/customer/" + x.customer }, [x.caller, x.unit].filter(Boolean).join(" · ") || "—") : [x.caller, x.unit].filter(Boolean).join(" · ") || t("frontdoor.anonymous")),
        h("td", {}, x.summary), h("td", {}, outcomeCell(x)),
        h("td", {}, x.status === "open" && mayDo("TakeContacts") ? convertForm(x) : null)))) : h("p", { class: "muted", id: "contact-log" }, t("frontdoor.none")));
}

// The channels the front door offers (the admin page; saved with the other settings).
async function channelsForm(editable) {
  const { channels } = await api("/api/v1/contact-channels");
  const list = h("input", { id: "ch-list", size: 60, value: channels.join(", "), readonly: !editable });
  return h("form", { id: "contact-channels", on: onSubmit(() => api("/api/v1/contact-channels", { method: "PUT",
    body: JSON.stringify({ channels: list.value.split(/[,，、]/).map((c) => c.trim()).filter(Boolean) }) }).then(() => admin(true))) },
  h("h3", {}, t("frontdoor.channels")), h("p", { class: "muted" }, t("frontdoor.channelsHint")), field(t("frontdoor.channels"), list), " ",
  editable ? h("button", { id: "do-channels" }, t("action.save")) : null);
}
