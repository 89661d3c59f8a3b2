//! R-CPL-REPORT (第二十條): what the office files with the regulator about its complaint
//! handling — the rules it works to, the scheme by which handling is evaluated, and the
//! people responsible. Kept as one of the office's registers; the filing is printed from it
//! with the deadlines the rules fix and the office's own periods.

use serde::{Deserialize, Serialize};

/// The longest name, post or phone (characters).
pub const MAX_FILING_FIELD: usize = 100;
/// The longest rule title or entry (characters).
pub const MAX_FILING_RULE: usize = 500;
/// The longest evaluation scheme (characters).
pub const MAX_FILING_SCHEME: usize = 4000;
/// The most rules and the most people a filing lists.
pub const MAX_FILING_ITEMS: usize = 30;

/// A person responsible for complaint handling.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Responsible {
    pub name: String,
    /// Their post and what they answer for (投訴處理負責人, 考評負責人…).
    pub post: String,
    pub phone: String,
}

/// The office's filing: its rules, its evaluation scheme, its people responsible.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ComplaintFiling {
    /// The office's own documents on complaint handling (titles, or one rule an entry).
    pub rules: Vec<String>,
    /// How complaint handling is evaluated and accountability fixed (R-CPL-EVAL).
    pub evaluation_scheme: String,
    pub people: Vec<Responsible>,
}

impl ComplaintFiling {
    /// The problems that keep it from being stored, one each (none: it may be kept).
    pub fn check(&self) -> Vec<String> {
        let mut out = Vec::new();
        let long = |s: &str, max: usize| s.chars().count() > max;
        if self.rules.len() > MAX_FILING_ITEMS || self.people.len() > MAX_FILING_ITEMS {
            out.push(format!(
                "a filing lists at most {MAX_FILING_ITEMS} rules and {MAX_FILING_ITEMS} people"
            ));
        }
        for (i, r) in self.rules.iter().enumerate() {
            if r.trim().is_empty() || long(r, MAX_FILING_RULE) {
                out.push(format!("rule {}: 1–{MAX_FILING_RULE} characters", i + 1));
            }
        }
        if long(&self.evaluation_scheme, MAX_FILING_SCHEME) {
            out.push(format!(
                "the evaluation scheme is at most {MAX_FILING_SCHEME} characters"
            ));
        }
        for (i, p) in self.people.iter().enumerate() {
            if p.name.trim().is_empty() || long(&p.name, MAX_FILING_FIELD) {
                out.push(format!(
                    "person {}: a name of 1–{MAX_FILING_FIELD} characters",
                    i + 1
                ));
            }
            if long(&p.post, MAX_FILING_FIELD) || long(&p.phone, MAX_FILING_FIELD) {
                out.push(format!(
                    "person {}: post and phone at most {MAX_FILING_FIELD} characters",
                    i + 1
                ));
            }
        }
        out
    }

    /// What a filing must still say before it is sent (none: complete): at least one
    /// rule, the evaluation scheme, and a person responsible.
    pub fn missing(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.rules.is_empty() {
            out.push("rules");
        }
        if self.evaluation_scheme.trim().is_empty() {
            out.push("evaluation_scheme");
        }
        if self.people.is_empty() {
            out.push("people");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn complete() -> ComplaintFiling {
        ComplaintFiling {
            rules: vec!["客戶投訴處理制度（2026 年版）".into()],
            evaluation_scheme: "每季考評：按時受理率、按時處理率、回訪滿意度；責任追究到人".into(),
            people: vec![Responsible {
                name: "黃淑芬".into(),
                post: "客服中心主管（投訴處理負責人）".into(),
                phone: "02-2345-6789".into(),
            }],
        }
    }

    #[test]
    fn r_cpl_report_a_filing_lists_rules_scheme_and_people() {
        // (change, problems, missing)
        type Change = fn(&mut ComplaintFiling);
        let cases: [(Change, usize, &[&str]); 8] = [
            (|_| {}, 0, &[]),
            (|f| f.rules.clear(), 0, &["rules"]),
            (
                |f| f.evaluation_scheme = "  ".into(),
                0,
                &["evaluation_scheme"],
            ),
            (|f| f.people.clear(), 0, &["people"]),
            (|f| f.rules.push(" ".into()), 1, &[]),
            (|f| f.people[0].name = String::new(), 1, &[]),
            (
                |f| f.evaluation_scheme = "考".repeat(MAX_FILING_SCHEME + 1),
                1,
                &[],
            ),
            (
                |f| f.rules = vec!["制度".into(); MAX_FILING_ITEMS + 1],
                1,
                &[],
            ),
        ];
        for (i, (change, problems, missing)) in cases.into_iter().enumerate() {
            let mut f = complete();
            change(&mut f);
            assert_eq!(f.check().len(), problems, "case {i}: {:?}", f.check());
            assert_eq!(f.missing(), missing, "case {i}");
        }
        assert_eq!(ComplaintFiling::default().missing().len(), 3);
    }
}
