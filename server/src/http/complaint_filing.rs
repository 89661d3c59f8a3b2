//! R-CPL-REPORT (第二十條): the regulator's filing of the office's complaint handling —
//! the rules it works to (its own documents, with the deadlines the rules fix and the
//! office's own periods), the scheme by which handling is evaluated, the people
//! responsible, and the published complaint contacts. Kept by the manager with the
//! office's settings; printed (HTML with the copies' print stylesheet) once complete.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use baoxiu_sync_core::OfficeId;
use baoxiu_sync_core::complaint::filing::{ComplaintFiling, Responsible};
use baoxiu_sync_core::complaint::{ACCEPTANCE_DAYS, SUPPLEMENT_DAYS};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ErrorBody;
use super::copies::{CONTACT_LABELS, esc, page};
use super::extract::{ApiJson, ApiQuery, Caller};
use crate::error::{Error, Result};
use crate::service::office_registers as registers;
use crate::state::AppState;

/// A person responsible for complaint handling.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ResponsibleIo {
    #[schema(max_length = 100)]
    pub name: String,
    /// Their post and what they answer for.
    #[schema(max_length = 100)]
    pub post: String,
    #[schema(max_length = 100)]
    pub phone: String,
}

/// The filing as kept: rules (1–500 characters each), the evaluation scheme, the people
/// responsible (a name each). Empty until set.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct FilingIo {
    #[schema(max_items = 30)]
    pub rules: Vec<String>,
    #[schema(max_length = 4000)]
    pub evaluation_scheme: String,
    #[schema(max_items = 30)]
    pub people: Vec<ResponsibleIo>,
}

/// The filing as kept, and what it must still say before it is printed.
#[derive(Debug, Serialize, ToSchema)]
pub struct FilingOut {
    pub rules: Vec<String>,
    pub evaluation_scheme: String,
    pub people: Vec<ResponsibleIo>,
    /// `rules`, `evaluation_scheme`, `people`: what is still empty.
    pub missing: Vec<String>,
}

impl From<ComplaintFiling> for FilingOut {
    fn from(f: ComplaintFiling) -> Self {
        FilingOut {
            missing: f.missing().into_iter().map(str::to_owned).collect(),
            rules: f.rules,
            evaluation_scheme: f.evaluation_scheme,
            people: f
                .people
                .into_iter()
                .map(|p| ResponsibleIo {
                    name: p.name,
                    post: p.post,
                    phone: p.phone,
                })
                .collect(),
        }
    }
}

impl From<FilingIo> for ComplaintFiling {
    fn from(f: FilingIo) -> Self {
        ComplaintFiling {
            rules: f.rules.into_iter().map(|r| r.trim().to_owned()).collect(),
            evaluation_scheme: f.evaluation_scheme.trim().to_owned(),
            people: f
                .people
                .into_iter()
                .map(|p| Responsible {
                    name: p.name.trim().to_owned(),
                    post: p.post.trim().to_owned(),
                    phone: p.phone.trim().to_owned(),
                })
                .collect(),
        }
    }
}

#[utoipa::path(get, path = "/api/v1/complaint-filing", responses((status = 200, body = FilingOut), (status = 403, body = ErrorBody)))]
pub async fn get(State(st): State<AppState>, c: Caller) -> Result<Json<FilingOut>> {
    Ok(Json(
        registers::complaint_filing(&st, c.0.office).await?.into(),
    ))
}

#[utoipa::path(put, path = "/api/v1/complaint-filing", request_body = FilingIo, responses((status = 200, body = FilingOut), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody, description = "a rule or name blank, or a text too long (each problem named)"), (status = 422, body = ErrorBody)))]
pub async fn put(
    State(st): State<AppState>,
    c: Caller,
    ApiJson(b): ApiJson<FilingIo>,
) -> Result<Json<FilingOut>> {
    registers::set_complaint_filing(&st, c.0.office, b.into()).await?;
    Ok(Json(
        registers::complaint_filing(&st, c.0.office).await?.into(),
    ))
}

#[utoipa::path(get, path = "/api/v1/complaint-filing/report", params(super::complaint_report::ReportQuery), responses((status = 200, description = "the filing, printable HTML", content_type = "text/html"), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody, description = "the filing lacks its rules, evaluation scheme or people responsible (named)"), (status = 422, body = ErrorBody)))]
pub async fn report(
    State(st): State<AppState>,
    c: Caller,
    ApiQuery(q): ApiQuery<super::complaint_report::ReportQuery>,
) -> Result<Response> {
    office_report(&st, c.0.office, q.lang.as_deref()).await
}

/// One office's filing, printed: the office's own route, and head office's copy for the
/// regulator (R-CS-HQ).
pub(super) async fn office_report(
    st: &AppState,
    office: OfficeId,
    lang: Option<&str>,
) -> Result<Response> {
    let en = super::month::english(lang)?;
    let filing = registers::complaint_filing(st, office).await?;
    let missing = filing.missing();
    if !missing.is_empty() {
        return Err(Error::Conflict(format!(
            "R-CPL-REPORT: the filing does not say yet: {}",
            missing.join(", ")
        )));
    }
    let name = st
        .store
        .office(office)
        .await?
        .map(|o| o.name)
        .unwrap_or_default();
    let cal = st.store.calendar(office).await?;
    let today = st
        .store
        .calendar(office)
        .await?
        .day_of(st.now())
        .ok_or_else(|| Error::Internal("the clock is out of range".into()))?;
    let contacts = registers::complaint_contacts(st, office).await?;
    let h = |zh: &'static str, e: &'static str| if en { e } else { zh };
    let title = h("投訴處理備案", "Complaint handling filing");
    let mut out = format!("<h1>{}</h1><p>{} · {}</p>", esc(title), esc(&name), today);
    // The rules: the office's documents, then what baoxiu holds every complaint to.
    out += &format!("<h2>{}</h2><ul>", esc(h("投訴處理制度", "Rules")));
    for r in &filing.rules {
        out += &format!("<li>{}</li>", esc(r));
    }
    out += "</ul>";
    let deadlines: [(&str, String); 4] = if en {
        [
            (
                "R-CPL-INCOMPLETE",
                format!(
                    "material incomplete: the complainant is told what to add within {SUPPLEMENT_DAYS} working days"
                ),
            ),
            (
                "R-CPL-ACCEPT",
                format!(
                    "acceptance or refusal (with its reason) told within {ACCEPTANCE_DAYS} working days of complete material"
                ),
            ),
            (
                "R-CPL-DECIDE",
                format!(
                    "an accepted complaint is decided within {} working days",
                    cal.decision_days
                ),
            ),
            (
                "R-CPL-DECIDE",
                format!(
                    "the complainant is told the decision within {} working days",
                    cal.tell_days
                ),
            ),
        ]
    } else {
        [
            (
                "R-CPL-INCOMPLETE",
                format!("材料不全：{SUPPLEMENT_DAYS} 個工作日內告知投訴人補充"),
            ),
            (
                "R-CPL-ACCEPT",
                format!("材料齊全後 {ACCEPTANCE_DAYS} 個工作日內告知是否受理，不受理說明理由"),
            ),
            (
                "R-CPL-DECIDE",
                format!("受理後 {} 個工作日內作出處理決定", cal.decision_days),
            ),
            (
                "R-CPL-DECIDE",
                format!("作出決定後 {} 個工作日內告知投訴人", cal.tell_days),
            ),
        ]
    };
    out += &format!(
        "<h3>{}</h3><ul>",
        esc(h(
            "處理時限（按本處工作日曆）",
            "Deadlines (the office's working days)"
        ))
    );
    for (rule, text) in deadlines {
        out += &format!("<li>{} ({rule})</li>", esc(&text));
    }
    out += "</ul>";
    out += &format!(
        "<h2>{}</h2><p class=\"pre\">{}</p><p>{}</p>",
        esc(h("考評方案", "Evaluation scheme")),
        esc(&filing.evaluation_scheme),
        esc(h(
            "每件投訴處理完畢後記錄考評：是否按時、處理結果、投訴人對處理的滿意度（回訪）及責任追究（R-CPL-EVAL）。",
            "Each complaint is evaluated once handled: on time, its outcome, the complainant's satisfaction with the handling (from the call-back) and accountability (R-CPL-EVAL).",
        )),
    );
    out += &format!(
        "<h2>{}</h2><table><tr><th>{}</th><th>{}</th><th>{}</th></tr>",
        esc(h("責任人", "People responsible")),
        esc(h("姓名", "Name")),
        esc(h("職務", "Post")),
        esc(h("電話", "Phone")),
    );
    for p in &filing.people {
        out += &format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&p.name),
            esc(&p.post),
            esc(&p.phone)
        );
    }
    out += "</table>";
    let published = contacts.published();
    if !published.is_empty() {
        out += &format!(
            "<h2>{}</h2><table>",
            esc(h("公布的投訴渠道", "Published complaint contacts"))
        );
        for (k, v) in published {
            let label = CONTACT_LABELS
                .iter()
                .find(|(f, _)| *f == k)
                .map_or(k, |(_, l)| *l);
            out += &format!("<tr><th>{}</th><td>{}</td></tr>", esc(label), esc(v));
        }
        out += "</table>";
    }
    out += &format!(
        "<p class=\"sig\">{}：</p>",
        esc(h("負責人簽署", "Signed for the office"))
    );
    Ok(page(title, &out))
}
