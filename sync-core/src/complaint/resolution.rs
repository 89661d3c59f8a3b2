//! How a complaint ends: the decision's remedies and the second deadline, telling the
//! complainant (R-CPL-DECIDE, 第十八條), and a regulator's referral answered with a written
//! report (R-CPL-REFERRAL, 第十三條).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{Complaint, Refusal, Status, add, conflict, invalid};
use crate::calendar::Calendar;
use crate::model::{OrderId, UserId};
use crate::rules::MAX_AMOUNT;

/// R-CPL-DECIDE: the office's default period to tell the complainant the decision, in
/// working days after it.
pub const DEFAULT_TELL_DAYS: u32 = 5;
/// Remedies one decision may name.
pub const MAX_REMEDIES: usize = 10;
/// A remedy's note, a referring body's name and reference, a sending's note.
pub const MAX_NOTE_CHARS: usize = 500;

/// What the office does about a complaint.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantNames,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum RemedyKind {
    Repair,
    Replace,
    /// The work is done again: names the redo order.
    Redo,
    /// Money paid to the complainant: names the amount.
    Compensation,
    Apology,
    Explanation,
}

impl RemedyKind {
    /// Repair, replace and redo are work; a work remedy may name its order, a redo must.
    fn is_work(self) -> bool {
        matches!(
            self,
            RemedyKind::Repair | RemedyKind::Replace | RemedyKind::Redo
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Remedy {
    pub kind: RemedyKind,
    /// The order that does the work again (required for redo).
    #[serde(default)]
    pub order: Option<OrderId>,
    /// Compensation, in minor units.
    #[serde(default)]
    pub amount: Option<i64>,
    #[serde(default)]
    pub note: String,
}

/// The form in which the referring body wants its answer.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantNames,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ReplyForm {
    /// A signed written report on paper.
    WrittenReport,
    Letter,
    Email,
    /// The regulator's own online filing system.
    OnlineSystem,
}

/// What the front desk records of a referral.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct NewReferral {
    /// The referring body (a regulator, a consumer council).
    pub body: String,
    /// Its case number.
    #[serde(default)]
    pub reference: String,
    /// The day it requires the answer by.
    pub reply_due: NaiveDate,
    pub form: ReplyForm,
}

/// R-CPL-REFERRAL: a complaint referred by a regulator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Referral {
    pub body: String,
    pub reference: String,
    pub reply_due: NaiveDate,
    pub form: ReplyForm,
    pub recorded_day: NaiveDate,
    pub recorded_by: UserId,
    /// The written report was sent.
    pub sent: Option<ReportSent>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportSent {
    pub day: NaiveDate,
    pub by: UserId,
    /// How it went (by post with its tracking number, the system's receipt number…).
    pub note: String,
}

fn text(rule: &'static str, what: &str, s: &str) -> Result<String, Refusal> {
    let s = s.trim();
    if s.chars().count() > MAX_NOTE_CHARS {
        return invalid(
            rule,
            format!("{what} is at most {MAX_NOTE_CHARS} characters"),
        );
    }
    Ok(s.to_owned())
}

/// R-CPL-DECIDE: the remedies a decision names, checked. An upheld or partly upheld
/// complaint names what is done about it; one not upheld is explained (an apology may
/// come with it). Work may link its order and a redo must; compensation names an amount.
pub fn check_remedies(outcome: &str, remedies: &[Remedy]) -> Result<Vec<Remedy>, Refusal> {
    const RULE: &str = "R-CPL-DECIDE";
    if remedies.is_empty() {
        return invalid(
            RULE,
            "name the remedy (repair, replace, redo, compensation, apology, explanation)",
        );
    }
    if remedies.len() > MAX_REMEDIES {
        return invalid(RULE, format!("at most {MAX_REMEDIES} remedies"));
    }
    let mut out = Vec::with_capacity(remedies.len());
    for r in remedies {
        let kind: &str = r.kind.into();
        if outcome == "not_upheld"
            && !matches!(r.kind, RemedyKind::Explanation | RemedyKind::Apology)
        {
            return invalid(
                RULE,
                format!("a complaint not upheld is explained, not given {kind}"),
            );
        }
        if r.kind == RemedyKind::Redo && r.order.is_none() {
            return invalid(RULE, "a redo names the order that does the work again");
        }
        if r.order.is_some() && !r.kind.is_work() {
            return invalid(RULE, format!("{kind} names no order"));
        }
        match (r.kind, r.amount) {
            (RemedyKind::Compensation, Some(a)) if (1..=MAX_AMOUNT).contains(&a) => {}
            (RemedyKind::Compensation, _) => {
                return invalid(
                    RULE,
                    format!("compensation names its amount, 1 to {MAX_AMOUNT} minor units"),
                );
            }
            (_, Some(_)) => return invalid(RULE, format!("{kind} has no amount")),
            (_, None) => {}
        }
        out.push(Remedy {
            note: text(RULE, "a remedy's note", &r.note)?,
            ..r.clone()
        });
    }
    Ok(out)
}

impl Complaint {
    /// R-CPL-DECIDE: the investigation's outcome, with its remedies; the complainant is to
    /// be told within `tell_days` working days.
    pub fn decide(
        &mut self,
        day: NaiveDate,
        (outcome, text, remedies): (&str, &str, &[Remedy]),
        (cal, tell_days): (&Calendar, u32),
        by: UserId,
    ) -> Result<(), Refusal> {
        if self.status != Status::Accepted {
            return conflict("R-CPL-DECIDE", "only an accepted complaint is decided");
        }
        if !["upheld", "partly_upheld", "not_upheld"].contains(&outcome) {
            return invalid(
                "R-CPL-DECIDE",
                "outcome is upheld, partly_upheld or not_upheld",
            );
        }
        if text.trim().is_empty() {
            return invalid("R-CPL-DECIDE", "write the decision");
        }
        let remedies = check_remedies(outcome, remedies)?;
        self.tell_due = Some(add(cal, day, tell_days)?);
        self.status = Status::Decided;
        self.decided_day = Some(day);
        self.outcome = Some(outcome.to_owned());
        self.decision = Some(text.to_owned());
        let kinds: Vec<&str> = remedies.iter().map(|r| r.kind.into()).collect();
        self.remedies = remedies;
        self.log(
            day,
            "decided",
            by,
            format!("{outcome}: {}", kinds.join(", ")),
        );
        Ok(())
    }

    /// R-CPL-REFERRAL: the complaint came through a regulator, which wants a written answer
    /// by a day and in a form of its own.
    pub fn refer(&mut self, day: NaiveDate, n: &NewReferral, by: UserId) -> Result<(), Refusal> {
        const RULE: &str = "R-CPL-REFERRAL";
        if self.referral.is_some() {
            return conflict(RULE, "the referral is already recorded");
        }
        let body = text(RULE, "the referring body", &n.body)?;
        if body.is_empty() {
            return invalid(RULE, "name the referring body");
        }
        if n.reply_due < self.received_day {
            return invalid(RULE, "the reply is due on or after the day received");
        }
        self.referral = Some(Referral {
            body: body.clone(),
            reference: text(RULE, "the reference", &n.reference)?,
            reply_due: n.reply_due,
            form: n.form,
            recorded_day: day,
            recorded_by: by,
            sent: None,
        });
        self.log(day, "referral", by, body);
        Ok(())
    }

    /// R-CPL-REFERRAL: the written report went to the referring body. It reports an
    /// answer, so the complaint has one: refused, transferred, or decided.
    pub fn report_sent(&mut self, day: NaiveDate, note: &str, by: UserId) -> Result<(), Refusal> {
        const RULE: &str = "R-CPL-REFERRAL";
        let note = text(RULE, "the note", note)?;
        if !matches!(
            self.status,
            Status::Decided | Status::Closed | Status::NotAccepted | Status::Transferred
        ) {
            return conflict(
                RULE,
                "the report answers the referral: decide (or refuse, or transfer) first",
            );
        }
        let Some(r) = self.referral.as_mut() else {
            return conflict(RULE, "no regulator referred this complaint");
        };
        if r.sent.is_some() {
            return conflict(RULE, "the report was already sent");
        }
        r.sent = Some(ReportSent {
            day,
            by,
            note: note.clone(),
        });
        self.log(day, "report_sent", by, note);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(kind: RemedyKind, order: bool, amount: Option<i64>) -> Remedy {
        Remedy {
            kind,
            order: order.then(OrderId::new),
            amount,
            note: String::new(),
        }
    }

    #[test]
    fn r_cpl_decide_remedies() {
        use RemedyKind::*;
        let cases: &[(&str, Vec<Remedy>, bool)] = &[
            ("upheld", vec![], false),
            ("upheld", vec![r(Redo, true, None)], true),
            ("upheld", vec![r(Redo, false, None)], false),
            ("upheld", vec![r(Repair, false, None)], true),
            ("upheld", vec![r(Replace, true, None)], true),
            ("upheld", vec![r(Apology, true, None)], false),
            ("upheld", vec![r(Compensation, false, Some(20_000))], true),
            ("upheld", vec![r(Compensation, false, None)], false),
            ("upheld", vec![r(Compensation, false, Some(0))], false),
            (
                "upheld",
                vec![r(Compensation, false, Some(MAX_AMOUNT + 1))],
                false,
            ),
            ("upheld", vec![r(Apology, false, Some(1))], false),
            (
                "partly_upheld",
                vec![r(Apology, false, None), r(Compensation, false, Some(5_000))],
                true,
            ),
            ("not_upheld", vec![r(Explanation, false, None)], true),
            (
                "not_upheld",
                vec![r(Explanation, false, None), r(Apology, false, None)],
                true,
            ),
            ("not_upheld", vec![r(Compensation, false, Some(1))], false),
            (
                "upheld",
                vec![r(Apology, false, None); MAX_REMEDIES + 1],
                false,
            ),
        ];
        for (outcome, remedies, ok) in cases {
            let got = check_remedies(outcome, remedies);
            assert_eq!(got.is_ok(), *ok, "{outcome} {remedies:?}: {got:?}");
            if let Err(e) = got {
                assert_eq!((e.rule, e.invalid), ("R-CPL-DECIDE", true));
            }
        }
    }
}
