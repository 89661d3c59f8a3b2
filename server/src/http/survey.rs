//! R-VISIT-SURVEY (S2 ch. 5: the manager's online survey): a planned online-survey
//! call-back gets a signed link that expires after the office's `survey_link_days`; the
//! customer opens it with no sign-in, answers the questionnaire — overall satisfaction,
//! whether the repair held, the quality dimensions and free questions its programme asks
//! — and the answers are recorded as the call-back, made by whoever sent the link. A
//! plain HTML form, so any phone's browser can answer it without scripts.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Form, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use baoxiu_sync_core::callback::{
    Callback, CallbackMethod, CallbackResult, CallbackStatus, SATISFACTION_SCALE,
};
use baoxiu_sync_core::programme::VisitKind;
use baoxiu_sync_core::questionnaire::{Answer, Dimension, DimensionScores, MAX_ANSWER};
use baoxiu_sync_core::{PassFail, UserId};
use serde::Serialize;
use utoipa::ToSchema;

use super::ErrorBody;
use super::copies::esc;
use super::extract::Caller;
use crate::auth::SurveyClaims;
use crate::error::{Error, Result};
use crate::service::programmes;
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct SurveyLinkOut {
    /// Path of the survey (no sign-in; answers this call-back only, once).
    pub url: String,
    /// UTC ms after which the link no longer works.
    pub expires_at: i64,
}

#[utoipa::path(post, path = "/api/v1/callbacks/{id}/survey", params(("id" = String, Path)), responses((status = 200, body = SurveyLinkOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "not an online survey, or no longer planned")))]
pub async fn link(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
) -> Result<Json<SurveyLinkOut>> {
    let office = c.0.office;
    let cb = st
        .store
        .callback(office, id.clone())
        .await?
        .ok_or_else(|| Error::NotFound(format!("call-back {id}")))?;
    if cb.method != CallbackMethod::OnlineSurvey {
        return Err(Error::Conflict(format!(
            "R-VISIT: call-back {id} is made by {}; a survey link is for an online survey",
            cb.method
        )));
    }
    if cb.status != CallbackStatus::Planned {
        return Err(Error::Conflict(format!(
            "call-back {id} is already {}",
            cb.status
        )));
    }
    let days = st.store.settings(office).await?.survey_link_days;
    let now = st.now();
    let expires_at = now.saturating_add(i64::from(days) * 86_400_000);
    let token = st
        .keys
        .survey(cb.id, office, c.0.sub, now / 1000, expires_at / 1000)?;
    Ok(Json(SurveyLinkOut {
        url: format!("/survey/{token}"),
        expires_at,
    }))
}

/// What the customer is asked.
struct Questionnaire {
    /// Whom it comes from, and what it is about.
    office: String,
    about: String,
    ask_held: bool,
    dimensions: Vec<Dimension>,
    questions: Vec<String>,
}

/// The link's call-back and its questionnaire; a bad or expired link is not found.
async fn open(st: &AppState, token: &str) -> Result<(SurveyClaims, Callback, Questionnaire)> {
    let claims = st.keys.verify_survey(token)?;
    if claims.exp.saturating_mul(1000) < st.now() {
        return Err(Error::NotFound("survey (the link has expired)".into()));
    }
    let cb = st
        .store
        .callback(claims.office, claims.callback.clone())
        .await?
        .ok_or_else(|| Error::NotFound("survey".into()))?;
    let office = st
        .store
        .office(claims.office)
        .await?
        .ok_or_else(|| Error::NotFound("survey".into()))?;
    let programme = match &cb.programme {
        Some(id) => Some(programmes::programme_or_404(st, claims.office, id).await?),
        None => None,
    };
    // A call-back outside any programme asks all five dimensions and no free question.
    let (kinds, dimensions, questions) = match programme {
        Some(p) => (p.draft.kinds, p.draft.dimensions, p.draft.questions),
        None => (
            vec![VisitKind::RepairHeld],
            Dimension::ALL.to_vec(),
            Vec::new(),
        ),
    };
    // What the customer knows it by: their unit and request, or their complaint; never
    // the staff's note of what to ask.
    let about = match (cb.order, &cb.complaint) {
        (Some(order), _) => st
            .store
            .order(order)
            .await?
            .map(|s| format!("{}：{}", s.customer.unit, s.description)),
        (None, Some(id)) => st
            .store
            .complaint(claims.office, id.clone())
            .await?
            .map(|x| format!("{}：{}", x.unit, x.subject)),
        (None, None) => None,
    }
    .unwrap_or_default();
    // A link from someone no longer with the office is withdrawn with them.
    if !st
        .store
        .user(claims.by)
        .await?
        .is_some_and(|p| p.office == claims.office && p.active)
    {
        return Err(Error::NotFound("survey (its sender has left)".into()));
    }
    let q = Questionnaire {
        office: office.name,
        about,
        ask_held: cb.order.is_some() && kinds.contains(&VisitKind::RepairHeld),
        dimensions,
        questions,
    };
    Ok((claims, cb, q))
}

const STYLE: &str = "body{font-family:\"Noto Sans CJK TC\",\"WenQuanYi Zen Hei\",sans-serif;margin:16px auto;max-width:40em;padding:0 12px;color:#111;line-height:1.5}\
fieldset{border:1px solid #ccc;border-radius:6px;margin:12px 0;padding:8px 12px}legend{font-weight:bold}\
label{display:inline-block;margin:4px 10px 4px 0}textarea{width:100%;box-sizing:border-box}\
button{font-size:1.1em;padding:8px 24px}.error{color:#b00020;font-weight:bold}.muted{color:#555}";

/// The survey pages' stylesheet (the console's policy allows styles from the server only).
pub async fn style() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        STYLE,
    )
        .into_response()
}

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"zh-Hant\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><link rel=\"stylesheet\" href=\"/survey.css\"></head><body>{body}</body></html>",
        esc(title)
    );
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            // The answers are the customer's: no caching by shared proxies.
            (header::CACHE_CONTROL, "private, no-store"),
        ],
        html,
    )
        .into_response()
}

/// A link that does not work, told in words a customer understands.
fn refusal(e: &Error) -> Response {
    let (status, text) = match e {
        Error::NotFound(_) => (
            StatusCode::NOT_FOUND,
            "此問卷連結無效或已過期。如需協助，請聯絡管理處。<br>This survey link is not valid or has expired; please contact the office.",
        ),
        Error::Conflict(_) => (
            StatusCode::CONFLICT,
            "此問卷已經作答，謝謝您。<br>This survey has been answered already. Thank you.",
        ),
        _ => (
            StatusCode::SERVICE_UNAVAILABLE,
            "暫時無法處理，請稍後再試。<br>We cannot take your answers just now; please try again later.",
        ),
    };
    page(
        status,
        "回訪問卷 Survey",
        &format!("<h1>回訪問卷 Survey</h1><p>{text}</p>"),
    )
}

/// One 1–5 question as five radio buttons.
fn scale(name: &str, legend: &str, required: bool, chosen: Option<&str>) -> String {
    let labels = ["非常不滿意", "不滿意", "一般", "滿意", "非常滿意"];
    let mut out = format!("<fieldset><legend>{}</legend>", esc(legend));
    for (i, l) in labels.iter().enumerate() {
        let v = i + 1;
        let checked = if chosen == Some(v.to_string().as_str()) {
            " checked"
        } else {
            ""
        };
        let req = if required { " required" } else { "" };
        out.push_str(&format!(
            "<label><input type=\"radio\" name=\"{name}\" value=\"{v}\"{req}{checked}> {v} {l}</label>"
        ));
    }
    out.push_str("</fieldset>");
    out
}

fn form(
    q: &Questionnaire,
    token: &str,
    error: Option<&str>,
    given: &HashMap<String, String>,
) -> String {
    let got = |k: &str| given.get(k).map(String::as_str);
    let mut body = format!(
        "<h1>{}　回訪問卷</h1><p class=\"muted\">Customer survey · {}</p>",
        esc(&q.office),
        esc(&q.about)
    );
    if let Some(e) = error {
        body.push_str(&format!(
            "<p class=\"error\" id=\"survey-error\">{}</p>",
            esc(e)
        ));
    }
    body.push_str(&format!(
        "<form method=\"post\" action=\"/survey/{}\" id=\"survey\">",
        esc(token)
    ));
    body.push_str(&scale(
        "satisfaction",
        "整體而言，您對這次服務滿意嗎？ Overall, how satisfied are you?",
        true,
        got("satisfaction"),
    ));
    if q.ask_held {
        // Asked, never assumed: a customer who skips it is asked again, so a skipped answer
        // never counts as a repair that held (R-MONTH 合格率).
        let on = |v: &str| {
            if got("held") == Some(v) {
                " checked"
            } else {
                ""
            }
        };
        body.push_str(&format!(
            "<fieldset><legend>維修後是否正常使用？ Has the repair held?</legend>\
             <label><input type=\"radio\" name=\"held\" value=\"pass\" required{}> 是 Yes</label>\
             <label><input type=\"radio\" name=\"held\" value=\"fail\"{}> 否 No</label></fieldset>",
            on("pass"),
            on("fail")
        ));
    }
    for d in &q.dimensions {
        let (zh, en) = d.question();
        body.push_str(&scale(
            d.into(),
            &format!("{}：{zh} {en}", d.zh()),
            false,
            got(d.into()),
        ));
    }
    for (i, text) in q.questions.iter().enumerate() {
        let name = format!("q{i}");
        let q = esc(text);
        // The question travels with its answer, so an answer never lands under another
        // question if the programme changes while the link is out.
        body.push_str(&format!(
            "<fieldset><legend>{q}</legend><input type=\"hidden\" name=\"{name}_asked\" value=\"{q}\">\
             <textarea name=\"{name}\" aria-label=\"{q}\" rows=\"3\" maxlength=\"{MAX_ANSWER}\">{}</textarea></fieldset>",
            esc(got(&name).unwrap_or(""))
        ));
    }
    body.push_str(&format!(
        "<fieldset><legend>還有其他問題或意見嗎？ Anything else we should know?</legend>\
         <textarea name=\"comments\" aria-label=\"還有其他問題或意見嗎？ Anything else we should know?\" rows=\"3\" maxlength=\"{MAX_ANSWER}\">{}</textarea></fieldset>\
         <p><button type=\"submit\">送出 Send</button></p></form>",
        esc(got("comments").unwrap_or(""))
    ));
    body
}

/// GET /survey/{token}: the questionnaire, or why it cannot be answered.
pub async fn show(State(st): State<AppState>, Path(token): Path<String>) -> Response {
    match open(&st, &token).await {
        Ok((_, cb, _)) if cb.status != CallbackStatus::Planned => {
            refusal(&Error::Conflict(String::new()))
        }
        Ok((_, _, q)) => page(
            StatusCode::OK,
            "回訪問卷 Survey",
            &form(&q, &token, None, &HashMap::new()),
        ),
        Err(e) => refusal(&e),
    }
}

/// The form's answers as a call-back's result, or what the customer must fix.
fn result_of(
    q: &Questionnaire,
    f: &HashMap<String, String>,
) -> std::result::Result<CallbackResult, String> {
    let score = |k: &str| -> std::result::Result<Option<u8>, String> {
        match f.get(k).map(|v| v.trim()).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) => v
                .parse::<u8>()
                .ok()
                .filter(|s| SATISFACTION_SCALE.contains(s))
                .map(Some)
                .ok_or_else(|| "請以 1 至 5 分作答。Please answer from 1 to 5.".to_owned()),
        }
    };
    let satisfaction = score("satisfaction")?
        .ok_or_else(|| "請為整體滿意度評分。Please rate your overall satisfaction.".to_owned())?;
    let mut scores = DimensionScores::default();
    for d in &q.dimensions {
        scores.set(*d, score(d.into())?);
    }
    let repair_held = if q.ask_held {
        match f.get("held").map(String::as_str) {
            Some("fail") => Some(PassFail::Fail),
            Some("pass") => Some(PassFail::Pass),
            _ => {
                return Err(
                    "請告訴我們維修後是否正常使用。Please say whether the repair has held.".into(),
                );
            }
        }
    } else {
        None
    };
    let comments = f.get("comments").map(|c| c.trim()).unwrap_or_default();
    if comments.chars().count() > MAX_ANSWER {
        return Err(format!(
            "請將意見縮短至 {MAX_ANSWER} 字以內。Please keep it under {MAX_ANSWER} characters."
        ));
    }
    let answers = q
        .questions
        .iter()
        .enumerate()
        .filter_map(|(i, question)| {
            let a = f.get(&format!("q{i}"))?.trim();
            // Asked under another wording (the programme changed since): not this answer.
            if f.get(&format!("q{i}_asked")) != Some(question) {
                return None;
            }
            (!a.is_empty()).then(|| Answer {
                question: question.clone(),
                answer: a.to_owned(),
            })
        })
        .collect();
    Ok(CallbackResult {
        reached: true,
        satisfaction: Some(satisfaction),
        repair_held,
        problems: comments.to_owned(),
        scores,
        answers,
        ..CallbackResult::default()
    })
}

/// POST /survey/{token}: records the answers as the call-back (R-VISIT-RECORD), once.
pub async fn answer(
    State(st): State<AppState>,
    Path(token): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let (claims, cb, q) = match open(&st, &token).await {
        Ok(x) => x,
        Err(e) => return refusal(&e),
    };
    if cb.status != CallbackStatus::Planned {
        return refusal(&Error::Conflict(String::new()));
    }
    let again = |msg: &str| {
        page(
            StatusCode::UNPROCESSABLE_ENTITY,
            "回訪問卷 Survey",
            &form(&q, &token, Some(msg), &f),
        )
    };
    let mut r = match result_of(&q, &f) {
        Ok(r) => r,
        Err(msg) => return again(&msg),
    };
    if let Err(e) = programmes::prepare_result(&st, claims.office, &cb, &mut r).await {
        return refusal(&e);
    }
    let by: UserId = claims.by;
    match st
        .store
        .record_callback(claims.office, cb.id.clone(), r, by, st.now())
        .await
    {
        Ok(_) => page(
            StatusCode::OK,
            "謝謝 Thank you",
            &format!(
                "<h1 id=\"survey-thanks\">謝謝您的寶貴意見！</h1><p>Thank you for your answers. {} 將據此改進服務。</p>",
                esc(&q.office)
            ),
        ),
        Err(Error::Invalid(m)) => again(&m),
        Err(e) => {
            if !matches!(e, Error::Conflict(_) | Error::NotFound(_)) {
                tracing::error!(error = %e, "survey answer not recorded");
            }
            refusal(&e)
        }
    }
}
