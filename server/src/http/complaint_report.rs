//! R-CPL-REFERRAL (第十三條): the written report answering a regulator's referral — who
//! referred it and what they require, the complaint, how it was handled step by step, the
//! decision and its remedies, and the people who handled it. HTML with the copies' print
//! stylesheet; the browser prints it or saves it as PDF, and the sending is recorded as an
//! action on the complaint.

use axum::extract::{Path, State};
use axum::response::Response;
use baoxiu_sync_core::complaint::{Complaint, Refusal, Remedy};
use baoxiu_sync_core::{Money, UserId};

use super::copies::{esc, page};
use super::extract::{ApiQuery, Caller};
use crate::error::Result;
use crate::state::AppState;

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// zh (default) or en.
    #[param(schema_with = super::schema::lang)]
    pub lang: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/complaints/{id}/report", params(("id" = String, Path), ReportQuery), responses((status = 200, description = "the written report, printable HTML", content_type = "text/html"), (status = 404, body = super::ErrorBody), (status = 409, body = super::ErrorBody, description = "no regulator referred this complaint")))]
pub async fn report(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> Result<Response> {
    let en = super::month::english(q.lang.as_deref())?;
    let x = super::complaints::visible(&st, &c, &id).await?;
    if x.referral.is_none() {
        return Err(Refusal {
            rule: "R-CPL-REFERRAL",
            invalid: false,
            message: "no regulator referred this complaint: it has no written report".into(),
        }
        .into());
    }
    let people = st.store.users(c.0.office).await?;
    let name = |u: UserId| {
        people
            .iter()
            .find(|p| p.id == u)
            .map_or_else(|| u.to_string(), |p| p.name.clone())
    };
    let title = if en {
        "Complaint handling report"
    } else {
        "投訴處理書面報告"
    };
    Ok(page(title, &body(&x, en, &name)))
}

fn body(x: &Complaint, en: bool, name: &dyn Fn(UserId) -> String) -> String {
    let h = |zh: &'static str, e: &'static str| if en { e } else { zh };
    let row = |k: &str, v: &str| format!("<tr><th>{}</th><td>{}</td></tr>", esc(k), esc(v));
    let day = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    let mut out = format!(
        "<h1>{}</h1>",
        esc(h("投訴處理書面報告", "Complaint handling report"))
    );
    if let Some(r) = &x.referral {
        out += &format!(
            "<h2>{}</h2><table>{}{}{}{}{}</table>",
            esc(h("轉辦單位要求", "The referral")),
            row(h("轉辦單位", "Referred by"), &r.body),
            row(h("轉辦編號", "Their reference"), &r.reference),
            row(h("要求回覆日期", "Reply due"), &r.reply_due.to_string()),
            row(h("回覆形式", "Form required"), <&str>::from(r.form)),
            row(
                h("報告寄出", "Report sent"),
                &r.sent.as_ref().map_or_else(String::new, |s| {
                    format!("{} {} {}", s.day, name(s.by), s.note)
                }),
            ),
        );
    }
    out += &format!(
        "<h2>{}</h2><table>{}{}{}{}{}{}{}</table>",
        esc(h("投訴", "The complaint")),
        row(h("編號", "Number"), &x.id),
        row(h("收到日期", "Received"), &x.received_day.to_string()),
        row(h("渠道", "Channel"), &x.channel),
        row(
            h("投訴人", "Complainant"),
            &format!("{} {}", x.complainant, x.contact)
        ),
        row(h("單位", "Unit"), &x.unit),
        row(h("事由", "Subject"), &x.subject),
        row(h("內容", "Description"), &x.description),
    );
    out += &format!(
        "<h2>{}</h2><table>{}{}{}{}{}{}</table>",
        esc(h("處理結果", "Outcome")),
        row(h("狀態", "Status"), x.status.as_str()),
        row(
            h("受理答覆日期", "Acceptance answered"),
            &day(x.answered_day)
        ),
        row(
            h("不受理理由／轉往", "Refusal reason / transferred to"),
            x.refusal_reason
                .as_deref()
                .or(x.transferred_to.as_deref())
                .unwrap_or_default()
        ),
        row(
            h("處理決定", "Decision"),
            &format!(
                "{} {} {}",
                day(x.decided_day),
                x.outcome.as_deref().unwrap_or_default(),
                x.decision.as_deref().unwrap_or_default()
            )
        ),
        row(h("補救措施", "Remedies"), &remedies(&x.remedies)),
        row(h("告知投訴人日期", "Complainant told"), &day(x.told_day)),
    );
    out += &format!(
        "<h2>{}</h2><table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        esc(h("處理經過", "How it was handled")),
        esc(h("日期", "Day")),
        esc(h("步驟", "Step")),
        esc(h("經辦人", "By")),
        esc(h("說明", "Note")),
    );
    for e in &x.history {
        out += &format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            e.day,
            esc(&e.kind),
            esc(&name(e.by)),
            esc(&e.note)
        );
    }
    out += "</table>";
    let mut handlers: Vec<String> = x.history.iter().map(|e| name(e.by)).collect();
    handlers.sort();
    handlers.dedup();
    out += &format!(
        "<p>{}：{}</p><p class=\"sig\">{}：</p>",
        esc(h("經辦人員", "Handled by")),
        esc(&handlers.join("、")),
        esc(h("負責人簽署", "Signed for the office")),
    );
    out
}

fn remedies(rs: &[Remedy]) -> String {
    rs.iter()
        .map(|r| {
            let mut s = <&str>::from(r.kind).to_owned();
            if let Some(o) = r.order {
                s += &format!(" ({o})");
            }
            if let Some(a) = r.amount {
                s += &format!(" {}", Money(a));
            }
            if !r.note.is_empty() {
                s += &format!(" {}", r.note);
            }
            s
        })
        .collect::<Vec<_>>()
        .join("; ")
}
