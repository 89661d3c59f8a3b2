//! Complaints (投訴, seed 2): their lifecycle and working-day deadlines, R-CPL-CHANNEL …
//! R-CPL-DECIDE, as pure functions over a [`Complaint`] and the office's [`Calendar`].
//! The server stores complaints; the rules live here with the others.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::calendar::{Calendar, OfficeCalendar};
use crate::model::{OrderId, UserId};

pub mod filing;
mod resolution;
pub use resolution::{
    Accountability, ComplaintContacts, DEFAULT_TELL_DAYS, Evaluation, MAX_ACCOUNTABILITY,
    MAX_NOTE_CHARS, MAX_REMEDIES, NewEvaluation, NewReferral, Rating, Referral, Remedy, RemedyKind,
    ReplyForm, ReportSent, RootCause, check_remedies,
};

/// R-CPL-INCOMPLETE: tell the complainant what to add within 5 working days of receipt.
pub const SUPPLEMENT_DAYS: u32 = 5;
/// R-CPL-ACCEPT: say whether it is accepted within 10 working days of complete material.
pub const ACCEPTANCE_DAYS: u32 = 10;
/// R-CPL-DECIDE: the office's default period to decide an accepted complaint.
pub const DEFAULT_DECISION_DAYS: u32 = 15;

/// R-CPL-CHANNEL: the channels named, and "other" (包括但不限於: whatever else a complaint
/// came by, as the front door's contact says, R-CS-CONTACT).
pub const CHANNELS: &[&str] = &[
    "hotline", "fax", "letter", "walk_in", "email", "online", "other",
];

/// A complaint refused by a rule: `rule` is the id, `invalid` says the input itself was
/// malformed (HTTP 422) rather than not allowed now (409).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{rule}: {message}")]
pub struct Refusal {
    pub rule: &'static str,
    pub invalid: bool,
    pub message: String,
}

fn conflict<T>(rule: &'static str, message: impl Into<String>) -> Result<T, Refusal> {
    Err(Refusal {
        rule,
        invalid: false,
        message: message.into(),
    })
}

fn invalid<T>(rule: &'static str, message: impl Into<String>) -> Result<T, Refusal> {
    Err(Refusal {
        rule,
        invalid: true,
        message: message.into(),
    })
}

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
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Status {
    /// Material incomplete: the complainant must be told what to add.
    Incomplete,
    /// Material complete: acceptance to be decided.
    AwaitingAcceptance,
    /// Accepted: being investigated; a decision is due.
    Accepted,
    /// Decided; the complainant is to be told.
    Decided,
    /// The complainant was told the decision.
    Closed,
    NotAccepted,
    Transferred,
    /// Same complaint with new facts during handling: merged into another.
    Merged,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Still being handled (a repeat without new facts is not accepted; with new facts it
    /// is merged).
    pub fn in_handling(self) -> bool {
        matches!(
            self,
            Status::Incomplete | Status::AwaitingAcceptance | Status::Accepted
        )
    }

    /// 抱怨率 (S5 17): a complaint counts in the complaint rate once it is accepted as being
    /// about the office's service — accepted, decided or closed. A repeat refused, a
    /// duplicate merged, a complaint transferred to another unit, and one whose acceptance
    /// is not decided yet are not counted.
    pub fn counts_in_rate(self) -> bool {
        matches!(self, Status::Accepted | Status::Decided | Status::Closed)
    }
}

#[cfg(test)]
mod rate_tests {
    use super::Status;

    #[test]
    fn r_cpl_rate_counts_only_complaints_accepted_about_the_office_s_service() {
        let cases = [
            (Status::Incomplete, false),
            (Status::AwaitingAcceptance, false),
            (Status::Accepted, true),
            (Status::Decided, true),
            (Status::Closed, true),
            (Status::NotAccepted, false),
            (Status::Transferred, false),
            (Status::Merged, false),
        ];
        for (status, counts) in cases {
            assert_eq!(status.counts_in_rate(), counts, "{status:?}");
        }
    }
}

/// One thing that happened to a complaint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub day: NaiveDate,
    pub kind: String,
    pub by: UserId,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Complaint {
    pub id: String,
    pub received_at: i64,
    /// The day received, in the office's time zone.
    pub received_day: NaiveDate,
    pub channel: String,
    pub complainant: String,
    pub contact: String,
    /// Filed by the customer or their agent (R-CPL-REJECT).
    pub by_customer_or_agent: bool,
    pub unit: String,
    pub subject: String,
    pub category: String,
    pub description: String,
    pub order: Option<OrderId>,
    pub technician: Option<UserId>,
    pub status: Status,
    /// When the material became complete (restarts when new facts are merged in).
    pub material_complete_day: Option<NaiveDate>,
    pub supplement_due: Option<NaiveDate>,
    pub supplement_notice_day: Option<NaiveDate>,
    pub missing: String,
    pub acceptance_due: Option<NaiveDate>,
    /// When the complainant was told accepted / not accepted / transferred.
    pub answered_day: Option<NaiveDate>,
    pub refusal_reason: Option<String>,
    pub transferred_to: Option<String>,
    pub decision_due: Option<NaiveDate>,
    pub decided_day: Option<NaiveDate>,
    pub outcome: Option<String>,
    pub decision: Option<String>,
    /// R-CPL-DECIDE: what the office does about it (none before the decision).
    #[serde(default)]
    pub remedies: Vec<Remedy>,
    /// R-CPL-REPORT: the cause the investigation found, when it named one.
    #[serde(default)]
    pub root_cause: Option<RootCause>,
    /// R-CPL-DECIDE: the second deadline, telling the complainant the decision.
    #[serde(default)]
    pub tell_due: Option<NaiveDate>,
    pub told_day: Option<NaiveDate>,
    /// R-CPL-REFERRAL: referred by a regulator.
    #[serde(default)]
    pub referral: Option<Referral>,
    /// R-CPL-EVAL: the handling evaluated, and accountability.
    #[serde(default)]
    pub evaluation: Option<Evaluation>,
    pub merged_into: Option<String>,
    pub duplicate_of: Option<String>,
    /// How often new facts restarted the deadline.
    pub restarts: u32,
    pub history: Vec<Entry>,
}

/// What the front desk records.
#[derive(Debug, Clone, Deserialize)]
pub struct NewComplaint {
    pub channel: String,
    pub complainant: String,
    #[serde(default)]
    pub contact: String,
    pub by_customer_or_agent: bool,
    pub unit: String,
    pub subject: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub order: Option<OrderId>,
    #[serde(default)]
    pub technician: Option<UserId>,
    pub material_complete: bool,
    /// What is missing, when incomplete.
    #[serde(default)]
    pub missing: String,
    /// The same complaint as this earlier one (a person decides; the system proposes).
    #[serde(default)]
    pub same_as: Option<String>,
    /// Required with `same_as`: does it bring new facts?
    #[serde(default)]
    pub new_facts: Option<bool>,
    /// R-CPL-REFERRAL: referred by a regulator.
    #[serde(default)]
    pub referral: Option<NewReferral>,
    /// The customer it is from, when the agent found them (else matched by unit and
    /// contact).
    #[serde(default)]
    pub customer: Option<String>,
}

/// Records a complaint (R-CPL-CHANNEL, R-CPL-INCOMPLETE, R-CPL-ACCEPT); with `same_as`,
/// applies the repeat rules (R-CPL-REJECT) to it and to the complaint it repeats — a
/// merged complaint lives on in the one it was merged into, so merges are followed.
/// `lookup` reads an earlier complaint by id. Returns the new complaint and, when it
/// changed, the earlier one: the caller stores both in one transaction.
pub fn receive_complaint<E: From<Refusal>>(
    id: String,
    n: &NewComplaint,
    received_at: i64,
    cal: &OfficeCalendar,
    by: UserId,
    mut lookup: impl FnMut(&str) -> Result<Option<Complaint>, E>,
) -> Result<(Complaint, Option<Complaint>), E> {
    let day = cal.day_of(received_at).ok_or_else(|| Refusal {
        rule: "R-CPL-CHANNEL",
        invalid: true,
        message: format!("received_at {received_at} is not a time"),
    })?;
    if n.same_as.is_some() && n.new_facts.is_none() {
        return Err(Refusal {
            rule: "R-CPL-REJECT",
            invalid: true,
            message: "a repeat must say whether it brings new facts (new_facts: true or false)"
                .into(),
        }
        .into());
    }
    let mut x = Complaint::receive(id, n, received_at, day, &cal.calendar, by)?;
    let Some(same) = &n.same_as else {
        return Ok((x, None));
    };
    let missing = |id: &str| Refusal {
        rule: "R-CPL-REJECT",
        invalid: true,
        message: format!("complaint {id} not found"),
    };
    let mut earlier = lookup(same)?.ok_or_else(|| missing(same))?;
    // Merges form a chain; a chain longer than this is corrupt data, not a complaint.
    let mut hops = 0;
    while let Some(into) = earlier.merged_into.clone() {
        hops += 1;
        if hops > 1000 {
            return Err(missing(&into).into());
        }
        earlier = lookup(&into)?.ok_or_else(|| missing(&into))?;
    }
    let before = earlier.clone();
    x.repeat_of(
        &mut earlier,
        n.new_facts.unwrap_or(false),
        &cal.calendar,
        cal.decision_days,
        by,
    )?;
    Ok((x, (earlier != before).then_some(earlier)))
}

/// The next thing due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deadline {
    /// supplement_notice | acceptance | decision | tell | referral_reply
    pub kind: &'static str,
    pub rule: &'static str,
    pub due: NaiveDate,
    /// Working days from today to the due day (0: due today; negative: overdue).
    pub working_days_left: i64,
    pub overdue: bool,
    /// Due within one working day.
    pub at_risk: bool,
}

impl Deadline {
    fn new(
        kind: &'static str,
        rule: &'static str,
        due: NaiveDate,
        today: NaiveDate,
        cal: &Calendar,
    ) -> Deadline {
        let left = cal.working_days_between(today, due);
        Deadline {
            kind,
            rule,
            due,
            working_days_left: left,
            overdue: today > due,
            at_risk: today <= due && left <= 1,
        }
    }
}

fn add(cal: &Calendar, day: NaiveDate, n: u32) -> Result<NaiveDate, Refusal> {
    cal.add_working_days(day, n)
        .map_or_else(|| invalid("R-CPL-DECIDE", "date out of range"), Ok)
}

impl Complaint {
    fn log(&mut self, day: NaiveDate, kind: &str, by: UserId, note: impl Into<String>) {
        self.history.push(Entry {
            day,
            kind: kind.into(),
            by,
            note: note.into(),
        });
    }

    /// Records a new complaint (R-CPL-CHANNEL, R-CPL-INCOMPLETE, R-CPL-ACCEPT). Repeats are
    /// handled by [`Complaint::repeat_of`].
    pub fn receive(
        id: String,
        n: &NewComplaint,
        received_at: i64,
        day: NaiveDate,
        cal: &Calendar,
        by: UserId,
    ) -> Result<Complaint, Refusal> {
        // R-CPL-CHANNEL
        if !CHANNELS.contains(&n.channel.as_str()) {
            return invalid(
                "R-CPL-CHANNEL",
                format!(
                    "unknown channel {:?} (hotline, fax, letter, walk_in, email, online, other)",
                    n.channel
                ),
            );
        }
        if n.complainant.trim().is_empty() || n.subject.trim().is_empty() {
            return invalid(
                "R-CPL-INCOMPLETE",
                "a complaint needs a complainant and a subject",
            );
        }
        let mut c = Complaint {
            id,
            received_at,
            received_day: day,
            channel: n.channel.clone(),
            complainant: n.complainant.trim().to_owned(),
            contact: n.contact.clone(),
            by_customer_or_agent: n.by_customer_or_agent,
            unit: n.unit.trim().to_owned(),
            subject: n.subject.trim().to_owned(),
            category: n.category.clone(),
            description: n.description.clone(),
            order: n.order,
            technician: n.technician,
            status: Status::Incomplete,
            material_complete_day: None,
            supplement_due: None,
            supplement_notice_day: None,
            missing: n.missing.clone(),
            acceptance_due: None,
            answered_day: None,
            refusal_reason: None,
            transferred_to: None,
            decision_due: None,
            decided_day: None,
            outcome: None,
            decision: None,
            remedies: Vec::new(),
            root_cause: None,
            tell_due: None,
            told_day: None,
            referral: None,
            evaluation: None,
            merged_into: None,
            duplicate_of: None,
            restarts: 0,
            history: Vec::new(),
        };
        if n.material_complete {
            c.material_complete(day, cal, by)?;
        } else {
            // R-CPL-INCOMPLETE
            c.supplement_due = Some(add(cal, day, SUPPLEMENT_DAYS)?);
        }
        c.log(day, "received", by, n.channel.clone());
        if let Some(r) = &n.referral {
            c.refer(day, r, by)?;
        }
        Ok(c)
    }

    /// R-CPL-REJECT: this new complaint repeats `earlier`. Without new facts it is not
    /// accepted (during handling, or after a decision); with new facts during handling it
    /// is merged into `earlier`, whose deadline restarts from the new material; with new
    /// facts after a decision it proceeds as a complaint of its own.
    pub fn repeat_of(
        &mut self,
        earlier: &mut Complaint,
        new_facts: bool,
        cal: &Calendar,
        decision_days: u32,
        by: UserId,
    ) -> Result<(), Refusal> {
        let day = self.received_day;
        self.duplicate_of = Some(earlier.id.clone());
        match (earlier.status.in_handling(), new_facts) {
            (true, false) => {
                self.not_accepted(day, "same complaint during handling, with no new facts", by);
            }
            (false, false) => {
                self.not_accepted(
                    day,
                    "same complaint after a decision, with no new facts",
                    by,
                );
            }
            (true, true) => {
                self.status = Status::Merged;
                self.merged_into = Some(earlier.id.clone());
                self.supplement_due = None;
                self.acceptance_due = None;
                self.log(day, "merged", by, format!("into {}", earlier.id));
                earlier.restarts += 1;
                match earlier.status {
                    Status::Accepted => {
                        earlier.decision_due = Some(add(cal, day, decision_days)?);
                    }
                    _ => {
                        // New material: acceptance is decided afresh from today.
                        earlier.status = Status::AwaitingAcceptance;
                        earlier.material_complete_day = Some(day);
                        earlier.acceptance_due = Some(add(cal, day, ACCEPTANCE_DAYS)?);
                    }
                }
                earlier.log(
                    day,
                    "new_facts_merged",
                    by,
                    format!("from {}; deadline restarts", self.id),
                );
            }
            (false, true) => {
                self.log(
                    day,
                    "repeat_with_new_facts",
                    by,
                    format!("of {}", earlier.id),
                );
            }
        }
        Ok(())
    }

    fn not_accepted(&mut self, day: NaiveDate, reason: &str, by: UserId) {
        self.status = Status::NotAccepted;
        self.refusal_reason = Some(reason.to_owned());
        self.answered_day = Some(day);
        self.supplement_due = None;
        self.acceptance_due = None;
        self.log(day, "not_accepted", by, reason);
    }

    /// R-CPL-INCOMPLETE: the complainant was told what to add.
    pub fn supplement_notice(
        &mut self,
        day: NaiveDate,
        missing: &str,
        by: UserId,
    ) -> Result<(), Refusal> {
        if self.status != Status::Incomplete {
            return conflict("R-CPL-INCOMPLETE", "the material is not incomplete");
        }
        if missing.trim().is_empty() {
            return invalid("R-CPL-INCOMPLETE", "say what the complainant must add");
        }
        self.supplement_notice_day = Some(day);
        self.missing = missing.to_owned();
        self.log(day, "supplement_notice", by, missing);
        Ok(())
    }

    /// R-CPL-ACCEPT: the material is complete; acceptance is due in 10 working days.
    pub fn material_complete(
        &mut self,
        day: NaiveDate,
        cal: &Calendar,
        by: UserId,
    ) -> Result<(), Refusal> {
        if self.status != Status::Incomplete {
            return conflict("R-CPL-ACCEPT", "the material is already complete");
        }
        self.status = Status::AwaitingAcceptance;
        self.material_complete_day = Some(day);
        self.acceptance_due = Some(add(cal, day, ACCEPTANCE_DAYS)?);
        self.log(day, "material_complete", by, "");
        Ok(())
    }

    /// R-CPL-ACCEPT / R-CPL-REJECT: accept, refuse with a reason, or transfer.
    pub fn answer(
        &mut self,
        day: NaiveDate,
        decision: &str,
        reason: Option<&str>,
        transfer_to: Option<&str>,
        (cal, decision_days): (&Calendar, u32),
        by: UserId,
    ) -> Result<(), Refusal> {
        if self.status == Status::Incomplete {
            return conflict(
                "R-CPL-ACCEPT",
                "the material is not complete yet: decide acceptance after it is",
            );
        }
        if self.status != Status::AwaitingAcceptance {
            return conflict(
                "R-CPL-ACCEPT",
                format!("the complaint is {}", self.status.as_str()),
            );
        }
        match decision {
            "accept" => {
                if !self.by_customer_or_agent {
                    return conflict(
                        "R-CPL-REJECT",
                        "not filed by the customer or their agent: refuse it with that reason",
                    );
                }
                self.status = Status::Accepted;
                self.decision_due = Some(add(cal, day, decision_days)?);
            }
            "refuse" => {
                let Some(reason) = reason.map(str::trim).filter(|r| !r.is_empty()) else {
                    return invalid("R-CPL-ACCEPT", "a refusal must give its reason");
                };
                self.status = Status::NotAccepted;
                self.refusal_reason = Some(reason.to_owned());
            }
            "transfer" => {
                let Some(to) = transfer_to.map(str::trim).filter(|r| !r.is_empty()) else {
                    return invalid("R-CPL-REJECT", "say which unit or department it goes to");
                };
                self.status = Status::Transferred;
                self.transferred_to = Some(to.to_owned());
            }
            other => {
                return invalid(
                    "R-CPL-ACCEPT",
                    format!("unknown decision {other:?} (accept, refuse, transfer)"),
                );
            }
        }
        self.answered_day = Some(day);
        self.log(
            day,
            decision,
            by,
            reason.or(transfer_to).unwrap_or_default(),
        );
        Ok(())
    }

    /// R-CPL-DECIDE: the complainant was told.
    pub fn told(&mut self, day: NaiveDate, by: UserId) -> Result<(), Refusal> {
        if self.status != Status::Decided {
            return conflict("R-CPL-DECIDE", "tell the complainant after the decision");
        }
        if self.decided_day.is_some_and(|d| day < d) {
            return invalid(
                "R-CPL-DECIDE",
                "the complainant is told on or after the decision",
            );
        }
        self.status = Status::Closed;
        self.told_day = Some(day);
        self.log(day, "told", by, "");
        Ok(())
    }

    /// The next deadline, as of `today`.
    pub fn next_deadline(&self, today: NaiveDate, cal: &Calendar) -> Option<Deadline> {
        let (kind, rule, due) = match self.status {
            Status::Incomplete if self.supplement_notice_day.is_none() => (
                "supplement_notice",
                "R-CPL-INCOMPLETE",
                self.supplement_due?,
            ),
            Status::AwaitingAcceptance => ("acceptance", "R-CPL-ACCEPT", self.acceptance_due?),
            Status::Accepted => ("decision", "R-CPL-DECIDE", self.decision_due?),
            // Decided: the second deadline, telling the complainant. A decision recorded
            // before the tell deadline existed keeps the decision's.
            Status::Decided => match self.tell_due {
                Some(due) => ("tell", "R-CPL-DECIDE", due),
                None => ("decision", "R-CPL-DECIDE", self.decision_due?),
            },
            _ => return None,
        };
        Some(Deadline::new(kind, rule, due, today, cal))
    }

    /// R-CPL-REFERRAL: the referring body's reply date, until the report is sent.
    pub fn referral_deadline(&self, today: NaiveDate, cal: &Calendar) -> Option<Deadline> {
        let r = self.referral.as_ref().filter(|r| r.sent.is_none())?;
        Some(Deadline::new(
            "referral_reply",
            "R-CPL-REFERRAL",
            r.reply_due,
            today,
            cal,
        ))
    }

    /// Each deadline this complaint had, by kind, as (met on time?) once it is known: done
    /// by the due day, or missed (done late, or still open after it). Both of
    /// R-CPL-DECIDE's deadlines are here: `decision` and `tell`.
    pub fn deadlines_kept(&self, today: NaiveDate) -> Vec<(&'static str, bool)> {
        let mut out = Vec::new();
        let mut check = |kind, due: Option<NaiveDate>, done: Option<NaiveDate>| {
            if let Some(due) = due {
                match done {
                    Some(d) => out.push((kind, d <= due)),
                    None if today > due => out.push((kind, false)),
                    None => {}
                }
            }
        };
        if self.status != Status::Merged {
            check(
                "supplement_notice",
                self.supplement_due,
                self.supplement_notice_day.or(self.material_complete_day),
            );
            check("acceptance", self.acceptance_due, self.answered_day);
            check("decision", self.decision_due, self.decided_day);
            check("tell", self.tell_due, self.told_day);
            if let Some(r) = &self.referral {
                check(
                    "referral_reply",
                    Some(r.reply_due),
                    r.sent.as_ref().map(|s| s.day),
                );
            }
        }
        out
    }
}
