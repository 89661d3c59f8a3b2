//! The copies of a work order (R-COPIES): the printable four-part form (一式四聯: customer,
//! manager's archive, finance, owner's copy) for the office, and the customer's copy of the
//! signed order behind a share link that reveals that order only and expires. HTML with a
//! print stylesheet; the browser prints it (or saves it as PDF).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use baoxiu_sync_core::signature::decode_strokes;
use baoxiu_sync_core::{Money, UserId, WorkOrderState};
use serde::Serialize;
use utoipa::ToSchema;

use super::ErrorBody;
use super::extract::Caller;
use super::orders::order_for;
use crate::error::{Error, Result};
use crate::state::AppState;

/// The four parts of the paper form, in order.
const PARTS: [&str; 4] = [
    "第一聯　客戶聯",
    "第二聯　存根聯（工程部）",
    "第三聯　財務聯",
    "第四聯　業主收費聯",
];

/// The published complaint contacts' labels (R-CPL-CHANNEL), in Chinese and English.
pub(super) const CONTACT_LABELS: [(&str, &str); 6] = [
    ("phone", "投訴電話 Phone"),
    ("fax", "傳真 Fax"),
    ("postal_address", "信函地址 Letters"),
    ("reception_address", "接待地點 In person"),
    ("email", "電子郵箱 E-mail"),
    ("other", "其他 Other"),
];

#[derive(Debug, Serialize, ToSchema)]
pub struct ShareOut {
    /// Path of the customer's copy (no sign-in; reveals this order only).
    pub url: String,
    /// UTC ms after which the link no longer works.
    pub expires_at: i64,
}

pub(super) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn when(ms: Option<i64>, tz: chrono_tz::Tz) -> String {
    ms.and_then(chrono::DateTime::from_timestamp_millis)
        .map(|t| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

/// The customer's signature as SVG, drawn from its strokes.
fn signature_svg(strokes: &str) -> String {
    let Ok(strokes) = decode_strokes(strokes) else {
        return String::new();
    };
    let points = strokes.iter().flatten();
    // Coordinates come from a device: no arithmetic on them may overflow.
    let max_x = points
        .clone()
        .map(|p| p.x)
        .max()
        .unwrap_or(10)
        .max(10)
        .saturating_add(10);
    let max_y = points
        .map(|p| p.y)
        .max()
        .unwrap_or(10)
        .max(10)
        .saturating_add(10);
    let paths: String = strokes
        .iter()
        .filter(|s| !s.is_empty())
        .map(|s| {
            let d: Vec<String> = s
                .iter()
                .enumerate()
                .map(|(i, p)| format!("{}{} {}", if i == 0 { "M" } else { "L" }, p.x, p.y))
                .collect();
            format!(
                r##"<path d="{}" fill="none" stroke="#1f3a5f" stroke-width="2"/>"##,
                d.join(" ")
            )
        })
        .collect();
    format!(r#"<svg class="sig" viewBox="0 0 {max_x} {max_y}" width="240">{paths}</svg>"#)
}

/// One part of the form: everything the customer signed, and who did the work.
fn part(
    s: &WorkOrderState,
    title: &str,
    names: &dyn Fn(UserId) -> String,
    tz: chrono_tz::Tz,
) -> String {
    let lines: String = s
        .fees
        .items
        .iter()
        .map(|i| {
            format!(
                "<tr><td>{}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td></tr>",
                esc(&i.description),
                i.materials,
                i.labour,
                i.total().unwrap_or(Money::ZERO)
            )
        })
        .collect();
    let technicians: Vec<String> = s.technicians.iter().map(|t| names(*t)).collect();
    let signature = match &s.customer_signature {
        Some(c) => format!(
            r#"<div class="signed">{}<p>簽名 Signed by: {} · {}</p><p class="hash">簽署內容雜湊 Signed hash: <code>{}</code> · {}</p></div>"#,
            signature_svg(&c.strokes),
            esc(&c.signer),
            when(Some(c.stamp.at), tz),
            esc(&c.signed_hash),
            if c.valid {
                "有效 valid"
            } else {
                "已失效：簽名後費用有變更 no longer covers the fees"
            }
        ),
        None => "<p>客戶尚未簽名 Not signed yet</p>".to_owned(),
    };
    let damages: String = s
        .damages
        .iter()
        .map(|d| {
            format!(
                "<li>{} · {} {}</li>",
                esc(&d.what),
                d.approved.unwrap_or(d.compensation),
                if d.approved.is_some() {
                    "（已核准）"
                } else {
                    "（待核准）"
                }
            )
        })
        .collect();
    format!(
        r#"<section class="part"><header><h1>{office} 維修單</h1><h2>{title}</h2></header>
<table class="meta"><tr><th>單號</th><td>{order}</td><th>報修時間</th><td>{logged}</td></tr>
<tr><th>住戶</th><td>{customer}</td><th>房號</th><td>{unit}</td></tr>
<tr><th>電話</th><td>{phone}</td><th>預約時間</th><td>{appointment}</td></tr>
<tr><th>報修內容</th><td colspan=3>{description}</td></tr>
<tr><th>維修人員</th><td>{technicians}</td><th>{paid_label}</th><td>{paid}</td></tr></table>
<table class="fees"><tr><th>項目</th><th>材料費</th><th>人工費</th><th>小計</th></tr>{lines}
<tr><th>合計</th><td colspan=3 class=n>{total}</td></tr><tr><th>應收</th><td colspan=3 class=n>{due}</td></tr></table>
{damages}<p><b>維修情況</b> {notes}</p>{signature}
<p>維修人員簽名 Technician: {technicians} {tech_signed}</p></section>"#,
        office = esc(&s.office.name),
        order = s.order,
        logged = when(Some(s.logged_at), tz),
        customer = esc(&s.customer.name),
        unit = esc(&s.customer.unit),
        phone = esc(&s.customer.phone),
        appointment = when(s.appointment.as_ref().map(|a| a.at), tz),
        description = esc(&s.description),
        technicians = esc(&technicians.join("、")),
        paid_label = "有償／無償",
        paid = match s.paid {
            Some(true) => "有償",
            Some(false) => "無償",
            None => "",
        },
        total = s.fees.total,
        due = s.amount_due(),
        damages = if damages.is_empty() {
            String::new()
        } else {
            format!("<p><b>損壞賠償</b></p><ul>{damages}</ul>")
        },
        notes = esc(s.completion.as_ref().map_or("", |c| c.notes.as_str())),
        tech_signed = when(s.technician_signature.as_ref().map(|t| t.at), tz),
    )
}

const STYLE: &str = r#"<style>
body{font-family:"Noto Sans CJK TC","WenQuanYi Zen Hei","Microsoft JhengHei",sans-serif;margin:24px;color:#111}
h1{font-size:18px;margin:0}h2{font-size:14px;margin:4px 0 12px;color:#444}
table{border-collapse:collapse;width:100%;margin:8px 0}th,td{border:1px solid #999;padding:4px 6px;font-size:13px;text-align:left}
td.n{text-align:right}.hash code{font-size:11px;word-break:break-all}.sig{border-bottom:1px solid #999}.pre{white-space:pre-wrap}
.part{page-break-after:always;break-after:page}.part:last-child{page-break-after:auto;break-after:auto}
@media print{body{margin:0}.noprint{display:none}}
</style>"#;

pub(super) fn page(title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"zh-Hant\"><head><meta charset=\"utf-8\"><title>{}</title>{STYLE}</head><body>{body}<p class=\"noprint\"><button onclick=\"print()\">列印 Print</button></p></body></html>",
        esc(title)
    );
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            // The copy is the customer's: no caching by shared proxies.
            (header::CACHE_CONTROL, "private, no-store"),
        ],
        html,
    )
        .into_response()
}

async fn names(st: &AppState, s: &WorkOrderState) -> Result<impl Fn(UserId) -> String> {
    let people = st.store.users(s.office.id).await?;
    Ok(move |u: UserId| {
        people
            .iter()
            .find(|p| p.id == u)
            .map(|p| p.name.clone())
            .unwrap_or_default()
    })
}

fn tz_of(s: &WorkOrderState) -> Result<chrono_tz::Tz> {
    s.office
        .time_zone
        .parse()
        .map_err(|_| Error::Corrupt(format!("office time zone {:?}", s.office.time_zone)))
}

#[utoipa::path(get, path = "/api/v1/orders/{id}/form", params(("id" = String, Path)), responses((status = 200, description = "the four-part work order as printable HTML", content_type = "text/html"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn form(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
) -> Result<Response> {
    let s = order_for(&st, &c, &id).await?;
    let names = names(&st, &s).await?;
    let tz = tz_of(&s)?;
    let body: String = PARTS.iter().map(|p| part(&s, p, &names, tz)).collect();
    Ok(page(&format!("維修單 {}", s.order), &body))
}

#[utoipa::path(post, path = "/api/v1/orders/{id}/share", params(("id" = String, Path)), responses((status = 200, body = ShareOut), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn share(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
) -> Result<Json<ShareOut>> {
    let s = order_for(&st, &c, &id).await?;
    // The customer's copy is of the signed order.
    if s.customer_signature.is_none() {
        return Err(Error::Conflict(
            "R-COPIES: the customer has not signed yet".into(),
        ));
    }
    let days = st.store.settings(s.office.id).await?.share_link_days;
    let now = st.now();
    let expires_at = now.saturating_add(i64::from(days) * 86_400_000);
    let token = st
        .keys
        .share(s.order, s.office.id, now / 1000, expires_at / 1000)?;
    Ok(Json(ShareOut {
        url: format!("/copy/{token}"),
        expires_at,
    }))
}

/// The customer's copy behind a share link (no sign-in). A bad or expired link is not
/// found: it says nothing about the order.
pub async fn customer_copy(
    State(st): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response> {
    let claims = st.keys.verify_share(&token)?;
    if claims.exp.saturating_mul(1000) < st.now() {
        return Err(Error::NotFound("copy (the link has expired)".into()));
    }
    let s = st
        .store
        .order(claims.order)
        .await?
        .filter(|s| s.office.id == claims.office)
        .ok_or_else(|| Error::NotFound("copy".into()))?;
    let names = names(&st, &s).await?;
    let tz = tz_of(&s)?;
    // R-CPL-CHANNEL: where the customer may complain, as the office publishes it.
    let contacts = crate::service::office_registers::complaint_contacts(&st, s.office.id).await?;
    let listed: String = contacts
        .published()
        .iter()
        .map(|(k, v)| {
            format!(
                "<li>{}：{}</li>",
                esc(CONTACT_LABELS
                    .iter()
                    .find(|(f, _)| f == k)
                    .map_or(*k, |(_, l)| *l)),
                esc(v)
            )
        })
        .collect();
    let notice = if listed.is_empty() {
        String::new()
    } else {
        format!(
            "<section id=\"complaint-contacts\"><h2>投訴渠道 Complaints</h2><ul>{listed}</ul></section>"
        )
    };
    Ok(page(
        &format!("維修單 {} 客戶聯", s.order),
        &format!("{}{notice}", part(&s, PARTS[0], &names, tz)),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use baoxiu_sync_core::Point;
    use baoxiu_sync_core::signature::encode_strokes;

    #[test]
    fn r_copies_a_signature_with_extreme_coordinates_is_drawn_not_a_panic() {
        let strokes = encode_strokes(&[vec![
            Point {
                x: i32::MAX,
                y: i32::MAX,
            },
            Point { x: i32::MIN, y: 0 },
        ]]);
        let svg = signature_svg(&strokes);
        assert!(
            svg.contains(&format!("viewBox=\"0 0 {} {}\"", i32::MAX, i32::MAX)),
            "{svg}"
        );
        assert_eq!(esc("<b>\"x\"&'"), "&lt;b&gt;&quot;x&quot;&amp;&#39;");
    }
}
