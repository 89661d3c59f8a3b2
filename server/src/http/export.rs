//! Exports: CSV (with a BOM, so spreadsheet apps read UTF-8 Chinese) and XLSX, with
//! Chinese headings by default and English with `lang=en`.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use baoxiu_sync_core::Money;

use crate::error::{Error, Result};

use crate::service::month::{MonthStats, Register, Satisfaction};

/// Minor units as a major-unit number for spreadsheets (display only: stored and summed
/// as integers).
#[allow(clippy::float_arithmetic)]
fn major(minor: i64) -> f64 {
    minor as f64 / 100.0
}

fn money(minor: i64) -> String {
    Money(minor).to_string()
}

/// A heading in the reader's language: Chinese unless `en`.
pub(super) fn h(en: bool, zh: &'static str, e: &'static str) -> &'static str {
    if en { e } else { zh }
}

/// A table for export: headings and rows of cells.
pub(super) struct Table {
    pub(super) name: &'static str,
    pub(super) headings: Vec<&'static str>,
    pub(super) rows: Vec<Vec<Cell>>,
}

pub(super) enum Cell {
    Text(String),
    Int(i64),
    Money(i64),
}

pub(super) fn stats_table(s: &MonthStats, en: bool, filed: bool) -> Table {
    let h = |zh: &'static str, e: &'static str| if en { e } else { zh };
    let headings = vec![
        h("技術員", "Technician"),
        h("到場數", "Arrivals"),
        h("準時數", "On time"),
        h("及時率", "On-time rate"),
        h("完成數", "Completed"),
        h("回訪數", "Called back"),
        h("合格數", "Passed"),
        h("合格率", "Pass rate"),
        h("滿意率", "Satisfied"),
        h("滿意度平均", "Mean score"),
        h("有償金額", "Paid total"),
        h("未到場", "No-shows"),
        h("交接及時率", "Handover on time"),
        h("交接時間中位數（分）", "Handover median (min)"),
        h("交接時間最長（分）", "Handover longest (min)"),
        h("賠償金額", "Compensation"),
    ];
    let sat = |x: &Satisfaction| {
        x.average_hundredths
            .map(|a| format!("{}.{:02}", a / 100, a % 100))
            .unwrap_or_default()
    };
    let mut rows: Vec<Vec<Cell>> = s
        .per_technician
        .iter()
        .map(|t| {
            vec![
                Cell::Text(if t.name.is_empty() {
                    h("（未指派）", "(unassigned)").to_owned()
                } else {
                    t.name.clone()
                }),
                Cell::Int(t.on_time.denominator as i64),
                Cell::Int(t.on_time.numerator as i64),
                Cell::Text(t.on_time.percent()),
                Cell::Int(t.completed as i64),
                Cell::Int(t.pass.denominator as i64),
                Cell::Int(t.pass.numerator as i64),
                Cell::Text(t.pass.percent()),
                Cell::Text(t.satisfaction.satisfied.percent()),
                Cell::Text(sat(&t.satisfaction)),
                Cell::Money(t.paid_total),
                Cell::Int(i64::try_from(t.no_shows).unwrap_or(i64::MAX)),
                // R-HANDOVER is the office's (the manager receives), not a technician's.
                Cell::Text(String::new()),
                Cell::Text(String::new()),
                Cell::Text(String::new()),
                Cell::Money(t.compensation),
            ]
        })
        .collect();
    let minutes = |m: Option<i64>| m.map(|m| m.to_string()).unwrap_or_default();
    rows.push(vec![
        Cell::Text(h("全處合計", "Office total").to_owned()),
        Cell::Int(s.on_time.denominator as i64),
        Cell::Int(s.on_time.numerator as i64),
        Cell::Text(s.on_time.percent()),
        Cell::Int(s.completed as i64),
        Cell::Int(s.pass.denominator as i64),
        Cell::Int(s.pass.numerator as i64),
        Cell::Text(s.pass.percent()),
        Cell::Text(s.satisfaction.satisfied.percent()),
        Cell::Text(sat(&s.satisfaction)),
        Cell::Money(s.paid_total),
        Cell::Int(i64::try_from(s.no_shows).unwrap_or(i64::MAX)),
        Cell::Text(s.handover_on_time.percent()),
        Cell::Text(minutes(s.handover_median_minutes)),
        Cell::Text(minutes(s.handover_longest_minutes)),
        Cell::Money(s.compensation),
    ]);
    Table {
        name: match (en, filed) {
            (true, false) => "Statistics",
            (true, true) => "Statistics (filed)",
            (false, false) => "月度統計",
            (false, true) => "月度統計（已結算）",
        },
        headings,
        rows,
    }
}

pub(super) fn register_table(r: &Register, en: bool, tz: chrono_tz::Tz) -> Table {
    let h = |zh: &'static str, e: &'static str| if en { e } else { zh };
    let headings = vec![
        h("完成時間", "Completed"),
        h("住戶", "Customer"),
        h("房號", "Unit"),
        h("報修內容", "Request"),
        h("項目", "Items"),
        h("材料費", "Materials"),
        h("人工費", "Labour"),
        h("合計", "Total"),
        h("維修人員", "Technician"),
        h("客戶簽名", "Customer signed"),
        h("收據號碼", "Receipt"),
        h("已收款", "Collected"),
        h("費用核准", "Fees approved"),
        h("賠償", "Compensation"),
        h("抵扣", "Credited"),
    ];
    let yes = |b: bool| if b { h("是", "yes") } else { h("否", "no") }.to_owned();
    let when = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms)
            .map(|t| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default()
    };
    let mut rows: Vec<Vec<Cell>> = r
        .rows
        .iter()
        .map(|x| {
            vec![
                Cell::Text(when(x.completed_at)),
                Cell::Text(x.customer.clone()),
                Cell::Text(x.unit.clone()),
                Cell::Text(x.description.clone()),
                Cell::Text(x.items.clone()),
                Cell::Money(x.materials),
                Cell::Money(x.labour),
                Cell::Money(x.total),
                Cell::Text(x.technician_name.clone()),
                Cell::Text(match x.signature_valid {
                    Some(true) => yes(true),
                    Some(false) => h("已失效", "invalidated").to_owned(),
                    None => yes(false),
                }),
                Cell::Text(x.receipt.clone().unwrap_or_default()),
                Cell::Money(x.collected.unwrap_or(0)),
                Cell::Text(if x.fees_pending {
                    h("待核准", "awaiting approval").to_owned()
                } else {
                    yes(true)
                }),
                Cell::Money(x.compensation),
                Cell::Money(x.credited),
            ]
        })
        .collect();
    for t in r
        .per_technician
        .iter()
        .chain(std::iter::once(&r.office_total))
    {
        let label = if t.technician.is_none() && std::ptr::eq(t, &r.office_total) {
            h("全處合計", "Office total").to_owned()
        } else {
            format!("{} {}", h("小計", "Subtotal"), t.name)
        };
        rows.push(vec![
            Cell::Text(label),
            Cell::Text(String::new()),
            Cell::Text(String::new()),
            Cell::Text(String::new()),
            Cell::Text(format!("{} {}", t.orders, h("單", "orders"))),
            Cell::Money(t.materials),
            Cell::Money(t.labour),
            Cell::Money(t.total),
            Cell::Text(String::new()),
            Cell::Text(String::new()),
            Cell::Text(String::new()),
            Cell::Money(t.collected),
            Cell::Text(String::new()),
            Cell::Text(String::new()),
            Cell::Text(String::new()),
        ]);
    }
    Table {
        name: if en {
            "Paid services"
        } else {
            "有償服務登記表"
        },
        headings,
        rows,
    }
}

/// R-SUP-*: the storeroom's period, one row per figure.
pub(super) fn csv_response(t: &Table, filename: &str) -> Result<Response> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&t.headings)
        .map_err(|e| Error::Internal(e.to_string()))?;
    for row in &t.rows {
        let cells: Vec<String> = row
            .iter()
            .map(|c| match c {
                Cell::Text(s) => s.clone(),
                Cell::Int(i) => i.to_string(),
                Cell::Money(m) => money(*m),
            })
            .collect();
        w.write_record(&cells)
            .map_err(|e| Error::Internal(e.to_string()))?;
    }
    let mut body = vec![0xEF, 0xBB, 0xBF]; // BOM, so spreadsheet apps read UTF-8 Chinese
    body.extend(w.into_inner().map_err(|e| Error::Internal(e.to_string()))?);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}.csv\""),
            ),
        ],
        body,
    )
        .into_response())
}

pub(super) fn xlsx_response(tables: &[Table], filename: &str) -> Result<Response> {
    use rust_xlsxwriter::{Format, Workbook};
    let x = |e: rust_xlsxwriter::XlsxError| Error::Internal(format!("xlsx: {e}"));
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let amount = Format::new().set_num_format("#,##0.00");
    for t in tables {
        let ws = wb.add_worksheet();
        ws.set_name(t.name).map_err(x)?;
        for (col, h) in t.headings.iter().enumerate() {
            ws.write_string_with_format(0, col as u16, *h, &bold)
                .map_err(x)?;
        }
        for (r, row) in t.rows.iter().enumerate() {
            let r = (r + 1) as u32;
            for (col, cell) in row.iter().enumerate() {
                let col = col as u16;
                match cell {
                    Cell::Text(s) => ws.write_string(r, col, s).map(|_| ()),
                    Cell::Int(i) => ws.write_number(r, col, *i as f64).map(|_| ()),
                    Cell::Money(m) => ws
                        .write_number_with_format(r, col, major(*m), &amount)
                        .map(|_| ()),
                }
                .map_err(x)?;
            }
        }
        ws.autofit();
    }
    let bytes = wb.save_to_buffer().map_err(x)?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}.xlsx\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// A report's `format`, checked: json (the default), csv or xlsx.
pub(super) fn format_of(f: Option<&str>) -> Result<&str> {
    let f = f.unwrap_or("json");
    if ["json", "csv", "xlsx"].contains(&f) {
        Ok(f)
    } else {
        Err(Error::Invalid(format!(
            "unknown format {f:?} (json, csv, xlsx)"
        )))
    }
}

/// Exports (label, value) pairs as a two-column CSV or XLSX sheet.
pub(super) fn export_pairs(
    name: &'static str,
    rows: &[(String, String)],
    format: &str,
    filename: &str,
    en: bool,
) -> Result<Response> {
    let t = Table {
        name,
        headings: if en {
            vec!["Item", "Value"]
        } else {
            vec!["項目", "數值"]
        },
        rows: rows
            .iter()
            .map(|(k, v)| vec![Cell::Text(k.clone()), Cell::Text(v.clone())])
            .collect(),
    };
    if format == "csv" {
        csv_response(&t, filename)
    } else {
        xlsx_response(&[t], filename)
    }
}
