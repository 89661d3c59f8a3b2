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

/// R-CPL-CHANNEL (第十一條): the complaint contacts the office publishes — shown on the
/// customer's copy. Each is free text (a number, an address), at most
/// [`MAX_NOTE_CHARS`] characters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ComplaintContacts {
    pub phone: String,
    pub fax: String,
    /// Where letters go.
    pub postal_address: String,
    /// Where complainants are received in person.
    pub reception_address: String,
    pub email: String,
    /// Any other way (an online form, a messaging account).
    pub other: String,
}

impl ComplaintContacts {
    /// The problems, one per field too long (none: it may be published).
    pub fn check(&self) -> Vec<String> {
        [
            ("phone", &self.phone),
            ("fax", &self.fax),
            ("postal_address", &self.postal_address),
            ("reception_address", &self.reception_address),
            ("email", &self.email),
            ("other", &self.other),
        ]
        .into_iter()
        .filter(|(_, v)| v.chars().count() > MAX_NOTE_CHARS)
        .map(|(k, _)| format!("{k} is at most {MAX_NOTE_CHARS} characters"))
        .collect()
    }

    /// The contacts set, as (field, value), in the order a notice lists them.
    pub fn published(&self) -> Vec<(&'static str, &str)> {
        [
            ("phone", self.phone.as_str()),
            ("fax", self.fax.as_str()),
            ("postal_address", self.postal_address.as_str()),
            ("reception_address", self.reception_address.as_str()),
            ("email", self.email.as_str()),
            ("other", self.other.as_str()),
        ]
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .collect()
    }
}

/// R-CPL-REPORT: what caused a complaint, as the investigation found (the analysis report
/// counts them).
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
pub enum RootCause {
    /// A person's conduct or skill.
    Staff,
    /// The way the work is organised.
    Process,
    Materials,
    Contractor,
    /// What the customer was told, or not.
    Communication,
    /// Outside the office (the utility, the weather).
    External,
    Other,
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

/// R-CPL-EVAL: how the handling of one complaint is judged.
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
pub enum Rating {
    Good,
    Acceptable,
    /// Handled badly: someone is held to account.
    Poor,
}

/// 責任追究: who is held to account, and for what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Accountability {
    /// A person of the office, when it is one.
    #[serde(default)]
    pub person: Option<UserId>,
    /// Or a name, a team, a contractor.
    #[serde(default)]
    pub name: String,
    /// What they are held to account for, and what follows.
    pub what: String,
}

/// What the customer-service manager records.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct NewEvaluation {
    pub rating: Rating,
    #[serde(default)]
    pub accountability: Vec<Accountability>,
    #[serde(default)]
    pub note: String,
}

/// R-CPL-EVAL: the evaluation of a complaint's handling — on time (every deadline it had
/// kept), the outcome, the complainant's satisfaction from the complaint's call-back, the
/// manager's rating, and accountability.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evaluation {
    pub day: NaiveDate,
    pub by: UserId,
    pub deadlines_kept: u32,
    pub deadlines: u32,
    pub on_time: bool,
    pub outcome: Option<String>,
    /// 1–5, from the latest complaint call-back that reached the complainant.
    pub satisfaction: Option<u8>,
    pub rating: Rating,
    pub accountability: Vec<Accountability>,
    pub note: String,
}

/// Accountability entries one evaluation may hold.
pub const MAX_ACCOUNTABILITY: usize = 10;

impl Complaint {
    /// R-CPL-EVAL: evaluates the handling once it is over (the complainant told, or the
    /// complaint refused or transferred), once. A poor rating holds someone to account.
    pub fn evaluate(
        &mut self,
        day: NaiveDate,
        n: &NewEvaluation,
        satisfaction: Option<u8>,
        by: UserId,
    ) -> Result<(), Refusal> {
        const RULE: &str = "R-CPL-EVAL";
        if !matches!(
            self.status,
            Status::Closed | Status::NotAccepted | Status::Transferred
        ) {
            return conflict(
                RULE,
                "the handling is evaluated once it is over: the complainant told, or the complaint refused or transferred",
            );
        }
        if self.evaluation.is_some() {
            return conflict(RULE, "the handling is already evaluated");
        }
        if n.accountability.len() > MAX_ACCOUNTABILITY {
            return invalid(
                RULE,
                format!("at most {MAX_ACCOUNTABILITY} people held to account"),
            );
        }
        let mut held = Vec::with_capacity(n.accountability.len());
        for a in &n.accountability {
            let name = text(RULE, "a name", &a.name)?;
            let what = text(RULE, "what they are held to account for", &a.what)?;
            if (a.person.is_none() && name.is_empty()) || what.is_empty() {
                return invalid(
                    RULE,
                    "accountability names who (a person or a name) and what",
                );
            }
            held.push(Accountability {
                person: a.person,
                name,
                what,
            });
        }
        if n.rating == Rating::Poor && held.is_empty() {
            return invalid(
                RULE,
                "a poor rating holds someone to account (who, and what)",
            );
        }
        let kept = self.deadlines_kept(day);
        let ok = kept.iter().filter(|(_, ok)| *ok).count();
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        let rating: &str = n.rating.into();
        self.evaluation = Some(Evaluation {
            day,
            by,
            deadlines_kept: count(ok),
            deadlines: count(kept.len()),
            on_time: ok == kept.len(),
            outcome: self.outcome.clone(),
            satisfaction,
            rating: n.rating,
            accountability: held,
            note: text(RULE, "the note", &n.note)?,
        });
        self.log(day, "evaluated", by, rating);
        Ok(())
    }
}

#[cfg(test)]
mod eval_tests {
    use super::*;
    use crate::calendar::CalendarKind;
    use crate::complaint::NewComplaint;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap_or(NaiveDate::MIN)
    }

    /// A complaint received Mon Nov 2, accepted Nov 3, decided Nov 10 and told on `told`.
    fn closed(by: UserId, told: u32) -> Result<Complaint, Refusal> {
        let cal = Calendar::new(CalendarKind::Weekends);
        let n: NewComplaint = serde_json::from_value(serde_json::json!({
            "channel": "hotline", "complainant": "王", "by_customer_or_agent": true,
            "unit": "A-1", "subject": "漏水", "material_complete": true
        }))
        .map_err(|e| Refusal {
            rule: "test",
            invalid: true,
            message: e.to_string(),
        })?;
        let mut x = Complaint::receive("c".into(), &n, 0, day(2), &cal, by)?;
        x.answer(day(3), "accept", None, None, (&cal, 15), by)?;
        let apology = Remedy {
            kind: RemedyKind::Apology,
            order: None,
            amount: None,
            note: String::new(),
        };
        x.decide(day(10), ("upheld", "成立", &[apology]), (&cal, 5), by)?;
        x.told(day(told), by)?;
        Ok(x)
    }

    #[test]
    fn r_cpl_eval_rating_and_accountability() {
        let by = UserId::new();
        let who = |person: bool, name: &str, what: &str| Accountability {
            person: person.then(UserId::new),
            name: name.into(),
            what: what.into(),
        };
        // (rating, accountability, accepted?)
        let cases = [
            (Rating::Good, vec![], true),
            (
                Rating::Acceptable,
                vec![who(false, "外包清潔", "延誤")],
                true,
            ),
            (Rating::Poor, vec![], false),
            (
                Rating::Poor,
                vec![who(true, "", "告知逾期，扣減績效")],
                true,
            ),
            (Rating::Poor, vec![who(false, "", "沒有名字")], false),
            (Rating::Poor, vec![who(true, "", " ")], false),
            (
                Rating::Good,
                vec![who(false, "x", "y"); MAX_ACCOUNTABILITY + 1],
                false,
            ),
        ];
        for (rating, accountability, ok) in cases {
            let Ok(mut x) = closed(by, 12) else {
                panic!("the complaint is set up");
            };
            let n = NewEvaluation {
                rating,
                accountability: accountability.clone(),
                note: String::new(),
            };
            let got = x.evaluate(day(20), &n, Some(4), by);
            assert_eq!(got.is_ok(), ok, "{rating:?} {accountability:?}: {got:?}");
            if ok {
                let e = x.evaluation.clone().unwrap_or_else(|| panic!("evaluated"));
                // Accepted, decided and told on time (Nov 17 due for the telling).
                assert_eq!((e.deadlines_kept, e.deadlines, e.on_time), (3, 3, true));
                assert_eq!(e.satisfaction, Some(4));
                // Once.
                assert!(x.evaluate(day(21), &n, None, by).is_err());
            }
        }
    }

    #[test]
    fn r_cpl_eval_only_once_the_handling_is_over_and_late_telling_is_not_on_time() {
        let by = UserId::new();
        let n = NewEvaluation {
            rating: Rating::Acceptable,
            accountability: vec![],
            note: String::new(),
        };
        let Ok(mut late) = closed(by, 20) else {
            panic!("the complaint is set up");
        };
        assert!(late.evaluate(day(23), &n, None, by).is_ok());
        let e = late.evaluation.unwrap_or_else(|| panic!("evaluated"));
        // Told Nov 20, due Nov 17.
        assert_eq!((e.deadlines_kept, e.deadlines, e.on_time), (2, 3, false));
        let Ok(mut open) = closed(by, 12) else {
            panic!("the complaint is set up");
        };
        open.status = Status::Accepted;
        let got = open.evaluate(day(20), &n, None, by);
        assert!(matches!(
            got,
            Err(Refusal {
                rule: "R-CPL-EVAL",
                invalid: false,
                ..
            })
        ));
    }
}
