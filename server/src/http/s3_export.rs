//! The S3 reports' tables for export: the storeroom's figures and its count register
//! (R-SUP-COUNT), the fleet's repairs, fuel per vehicle (R-VEH-USE) and services against
//! their schedule (R-VEH-MAINT). Chinese headings by default, English with `lang=en`;
//! times in the office's zone.

use baoxiu_sync_core::supplies::count::ItemCount;
use baoxiu_sync_core::supplies::report::SuppliesReport;
use baoxiu_sync_core::vehicles::report::FleetReport;

use super::export::{Cell, Table};

fn heading(en: bool) -> impl Fn(&'static str, &'static str) -> &'static str {
    move |zh, e| if en { e } else { zh }
}

fn text(s: &str) -> Cell {
    Cell::Text(s.to_owned())
}

fn units(u: u64) -> Cell {
    Cell::Int(i64::try_from(u).unwrap_or(i64::MAX))
}

fn day(ms: Option<i64>, tz: chrono_tz::Tz) -> Cell {
    Cell::Text(
        ms.and_then(chrono::DateTime::from_timestamp_millis)
            .map(|t| t.with_timezone(&tz).format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
    )
}

/// The storeroom's report: its figures, then its count register (XLSX: two sheets).
pub(super) fn supplies_tables(r: &SuppliesReport, en: bool, tz: chrono_tz::Tz) -> Vec<Table> {
    vec![supplies_table(r, en), count_register_table(r, en, tz)]
}

/// The fleet's report: repairs, fuel, services (XLSX: three sheets).
pub(super) fn fleet_tables(r: &FleetReport, en: bool, tz: chrono_tz::Tz) -> Vec<Table> {
    vec![
        fleet_table(r, en),
        fuel_table(r, en),
        maintenance_table(r, en, tz),
    ]
}

fn supplies_table(r: &SuppliesReport, en: bool) -> Table {
    let h = heading(en);
    let mut rows = Vec::new();
    for (dept, items) in &r.issued {
        for (item, a) in items {
            rows.push(vec![
                text(h("領用", "Issued")),
                text(dept),
                text(item),
                units(a.units),
                Cell::Money(a.value.0),
            ]);
        }
    }
    for (vendor, a) in &r.purchases {
        rows.push(vec![
            text(h("採購", "Purchased")),
            text(vendor),
            text(""),
            units(a.units),
            Cell::Money(a.value.0),
        ]);
    }
    for (supplier, a) in &r.returns {
        rows.push(vec![
            text(h("退換", "Returned")),
            text(supplier),
            text(""),
            units(a.units),
            Cell::Money(a.value.0),
        ]);
    }
    for (item, delta) in &r.adjustments {
        rows.push(vec![
            text(h("盤點調整", "Count adjustment")),
            text(""),
            text(item),
            Cell::Int(*delta),
            text(""),
        ]);
    }
    rows.push(vec![
        text(h("期末庫存價值", "Stock value at the end")),
        text(""),
        text(""),
        text(""),
        Cell::Money(r.stock_value.0),
    ]);
    Table {
        name: if en {
            "Office supplies"
        } else {
            "辦公用品統計"
        },
        headings: vec![
            h("類別", "Figure"),
            h("部門或廠商", "Department or vendor"),
            h("品項", "Item"),
            h("數量", "Units"),
            h("金額", "Value"),
        ],
        rows,
    }
}

/// R-VEH-*: the fleet's period: each vehicle's repairs, each approval's wait.
fn fleet_table(r: &FleetReport, en: bool) -> Table {
    let h = heading(en);
    // Hours, to one decimal, as text (display only).
    let hours = |ms: i64| {
        let tenths = ms / 360_000;
        Cell::Text(format!("{}.{}", tenths / 10, tenths % 10))
    };
    let mut rows = Vec::new();
    for (plate, c) in &r.costs {
        rows.push(vec![
            text(h("維修費用", "Repair costs")),
            text(plate),
            text(""),
            Cell::Int(i64::from(c.repairs)),
            Cell::Money(c.approved.0),
            Cell::Money(c.actual.0),
            text(""),
        ]);
    }
    for a in &r.approvals {
        rows.push(vec![
            text(h("核准等待", "Approval wait")),
            text(&a.plate),
            text(&a.repair),
            text(""),
            text(""),
            text(""),
            hours(a.waited),
        ]);
    }
    if let Some(m) = r.median_wait {
        rows.push(vec![
            text(h("核准等待中位數", "Median approval wait")),
            text(""),
            text(""),
            text(""),
            text(""),
            text(""),
            hours(m),
        ]);
    }
    Table {
        name: if en {
            "Vehicle repairs"
        } else {
            "車輛維修統計"
        },
        headings: vec![
            h("類別", "Figure"),
            h("車牌", "Plate"),
            h("維修單", "Repair"),
            h("維修次數", "Repairs"),
            h("核准金額", "Approved"),
            h("實際金額", "Actual"),
            h("等待核准（小時）", "Wait for approval (h)"),
        ],
        rows,
    }
}

/// R-SUP-COUNT: the count register (盤點登記): each quarter's count, item by item.
fn count_register_table(r: &SuppliesReport, en: bool, tz: chrono_tz::Tz) -> Table {
    let h = heading(en);
    let yes = |b: bool| text(if b { h("是", "yes") } else { h("否", "no") });
    let mut rows = Vec::new();
    for q in &r.counts {
        let quarter = format!("{}-Q{}", q.quarter.year, q.quarter.q);
        let head = |item: &str, expected: Cell, counted: Cell, delta: Cell| {
            vec![
                text(&quarter),
                day(q.as_of, tz),
                text(item),
                expected,
                counted,
                delta,
                day(q.confirmed_at, tz),
                yes(q.overdue),
            ]
        };
        if q.count.is_none() {
            rows.push(head(
                h("（未盤點）", "(not counted)"),
                text(""),
                text(""),
                text(""),
            ));
        }
        for l in &q.lines {
            let counted = match &l.count {
                ItemCount::Counted(n) => units(*n),
                ItemCount::Disagree(ns) => text(&format!(
                    "{} {}",
                    h("不一致", "disagree"),
                    ns.iter().map(u64::to_string).collect::<Vec<_>>().join("/")
                )),
                ItemCount::NotCounted => text(h("未盤", "not counted")),
            };
            let delta = l.delta.map(Cell::Int).unwrap_or_else(|| text(""));
            rows.push(head(&l.item, Cell::Int(l.expected), counted, delta));
        }
    }
    Table {
        name: if en { "Count register" } else { "盤點登記" },
        headings: vec![
            h("季度", "Quarter"),
            h("盤點基準日", "As of"),
            h("品項", "Item"),
            h("帳面數量", "Ledger"),
            h("盤點數量", "Counted"),
            h("差異", "Difference"),
            h("確認日期", "Confirmed"),
            h("逾期", "Overdue"),
        ],
        rows,
    }
}

/// R-VEH-USE: each vehicle's fuel in the period.
fn fuel_table(r: &FleetReport, en: bool) -> Table {
    let h = heading(en);
    // Litres to one decimal, as text (display only: summed as millilitres).
    let litres = |ml: u64| text(&format!("{}.{}", ml / 1000, (ml % 1000) / 100));
    let rows = r
        .fuel
        .iter()
        .map(|(plate, c)| {
            vec![
                text(plate),
                litres(c.millilitres),
                Cell::Money(c.amount.0),
                units(c.km),
                c.ml_per_100km.map(litres).unwrap_or_else(|| text("")),
            ]
        })
        .collect();
    Table {
        name: if en { "Fuel" } else { "油耗統計" },
        headings: vec![
            h("車牌", "Plate"),
            h("加油量（公升）", "Fuel (l)"),
            h("金額", "Amount"),
            h("里程（公里）", "Distance (km)"),
            h("每百公里油耗（公升）", "l per 100 km"),
        ],
        rows,
    }
}

/// R-VEH-MAINT: the services done in the period, each against when it was due.
fn maintenance_table(r: &FleetReport, en: bool, tz: chrono_tz::Tz) -> Table {
    let h = heading(en);
    let rows = r
        .maintenance
        .iter()
        .map(|s| {
            vec![
                text(&s.plate),
                day(Some(s.at), tz),
                units(s.odometer_km),
                day(s.due_at, tz),
                s.due_km.map(units).unwrap_or_else(|| text("")),
                text(if s.on_time {
                    h("如期", "on time")
                } else {
                    h("逾期", "late")
                }),
            ]
        })
        .collect();
    Table {
        name: if en { "Maintenance" } else { "保養執行" },
        headings: vec![
            h("車牌", "Plate"),
            h("保養日期", "Serviced"),
            h("里程（公里）", "Odometer (km)"),
            h("應保養日期", "Due by date"),
            h("應保養里程", "Due by km"),
            h("是否如期", "On time"),
        ],
        rows,
    }
}
