//! Retrieval (SPEC §3): among the secrets with one key, which one a user
//! gets, and why. Pure: the vault gathers the facts, this decides.
//!
//! Eligible candidates are ranked by a specificity tuple compared
//! lexicographically, most important first:
//! private, explicit departments, includes the context department, fewer
//! departments, most recently updated (then the higher id, for a total
//! order). The rule that decided is the first component in which the
//! winner beats the runner-up.

use std::cmp::Reverse;

use crate::api::{DecidingRule, Standing, Timestamp};
use crate::policy::is_expired;

/// What resolution needs to know about one candidate.
#[derive(Debug, Clone)]
pub(crate) struct Facts {
    pub id: i64,
    pub private: bool,
    pub all_depts: bool,
    pub depts: Vec<i64>,
    pub active: bool,
    pub expires_at: Option<Timestamp>,
    pub updated_at: Timestamp,
    /// Whether the user resolving is in this secret's scope.
    pub in_scope: bool,
}

/// The user's context for one lookup.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Context {
    /// The department asked for (`department_code`), if any.
    pub asked: Option<i64>,
    /// Whether the user belongs to the department asked for.
    pub member_of_asked: bool,
    /// The user's primary department.
    pub primary: Option<i64>,
}

#[derive(Debug, Clone)]
pub(crate) struct Outcome {
    /// Per candidate, in input order: its standing and rank (eligible only).
    pub standings: Vec<(Standing, Option<u32>)>,
    /// Index into the input of the winner.
    pub winner: Option<usize>,
    pub rule: Option<DecidingRule>,
}

/// Specificity, larger is more specific.
type Rank = (bool, bool, bool, Reverse<usize>, Timestamp, i64);

const RULES: [DecidingRule; 5] = [
    DecidingRule::PrivateBeforeShared,
    DecidingRule::ExplicitDepartmentsBeforeAll,
    DecidingRule::ContextDepartment,
    DecidingRule::FewerDepartments,
    DecidingRule::MostRecentlyUpdated,
];

fn rank(f: &Facts, context_dept: Option<i64>) -> Rank {
    let includes_context = f.all_depts || context_dept.is_some_and(|d| f.depts.contains(&d));
    let dept_count = if f.all_depts {
        usize::MAX
    } else {
        f.depts.len()
    };
    (
        f.private,
        !f.all_depts,
        includes_context,
        Reverse(dept_count),
        f.updated_at,
        f.id,
    )
}

/// The first rule on which `a` and `b` differ.
fn deciding_rule(a: &Rank, b: &Rank) -> DecidingRule {
    let diffs = [a.0 != b.0, a.1 != b.1, a.2 != b.2, a.3 != b.3];
    diffs
        .iter()
        .position(|d| *d)
        .map_or(DecidingRule::MostRecentlyUpdated, |i| RULES[i])
}

fn standing(f: &Facts, ctx: &Context, now: Timestamp) -> Option<Standing> {
    if !f.in_scope {
        return Some(Standing::NotInScope);
    }
    if let Some(d) = ctx.asked {
        if !(f.all_depts || f.depts.contains(&d)) {
            return Some(Standing::OutsideDepartment);
        }
        if !ctx.member_of_asked {
            return Some(Standing::CallerNotInDepartment);
        }
    }
    if !f.active {
        return Some(Standing::Inactive);
    }
    if is_expired(f.expires_at, now) {
        return Some(Standing::Expired);
    }
    None
}

pub(crate) fn resolve(candidates: &[Facts], ctx: &Context, now: Timestamp) -> Outcome {
    let context_dept = ctx.asked.or(ctx.primary);
    let mut standings: Vec<(Standing, Option<u32>)> = Vec::with_capacity(candidates.len());
    let mut eligible: Vec<(usize, Rank)> = Vec::new();
    for (i, f) in candidates.iter().enumerate() {
        match standing(f, ctx, now) {
            Some(s) => standings.push((s, None)),
            None => {
                standings.push((Standing::Outranked, None));
                eligible.push((i, rank(f, context_dept)));
            }
        }
    }
    eligible.sort_by_key(|e| Reverse(e.1));
    for (pos, (i, _)) in eligible.iter().enumerate() {
        standings[*i].1 = Some(pos as u32 + 1);
    }
    let rule = match eligible.as_slice() {
        [] => None,
        [_] => Some(DecidingRule::OnlyCandidate),
        [first, second, ..] => Some(deciding_rule(&first.1, &second.1)),
    };
    let winner = eligible.first().map(|(i, _)| *i);
    if let Some(w) = winner {
        standings[w].0 = Standing::Winner;
    }
    Outcome {
        standings,
        winner,
        rule,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEFAULT: i64 = 1;
    const FIN: i64 = 2;

    fn fact(id: i64, private: bool, depts: Option<&[i64]>, updated_at: Timestamp) -> Facts {
        Facts {
            id,
            private,
            all_depts: depts.is_none(),
            depts: depts.map(<[i64]>::to_vec).unwrap_or_default(),
            active: true,
            expires_at: None,
            updated_at,
            in_scope: true,
        }
    }

    fn ctx(primary: i64) -> Context {
        Context {
            asked: None,
            member_of_asked: false,
            primary: Some(primary),
        }
    }

    #[test]
    fn private_beats_shared() {
        let c = [
            fact(1, false, Some(&[DEFAULT]), 5),
            fact(2, true, Some(&[DEFAULT]), 1),
        ];
        let out = resolve(&c, &ctx(DEFAULT), 0);
        assert_eq!(out.winner, Some(1));
        assert_eq!(out.rule, Some(DecidingRule::PrivateBeforeShared));
        assert_eq!(out.standings[0], (Standing::Outranked, Some(2)));
    }

    #[test]
    fn explicit_beats_all_then_context_then_fewer_then_recent() {
        let all = fact(1, false, None, 9);
        let fin = fact(2, false, Some(&[FIN]), 1);
        assert_eq!(
            resolve(&[all.clone(), fin.clone()], &ctx(DEFAULT), 0).rule,
            Some(DecidingRule::ExplicitDepartmentsBeforeAll)
        );

        let both = fact(3, false, Some(&[DEFAULT, FIN]), 1);
        let out = resolve(&[fin.clone(), both.clone()], &ctx(DEFAULT), 0);
        assert_eq!(
            (out.winner, out.rule),
            (Some(1), Some(DecidingRule::ContextDepartment))
        );

        let out = resolve(&[fin.clone(), both.clone()], &ctx(FIN), 0);
        assert_eq!(
            (out.winner, out.rule),
            (Some(0), Some(DecidingRule::FewerDepartments))
        );

        let fin_newer = Facts {
            id: 4,
            updated_at: 7,
            depts: vec![FIN, 9],
            ..fin.clone()
        };
        let fin_older = Facts {
            id: 5,
            updated_at: 3,
            depts: vec![FIN, 8],
            ..fin
        };
        let out = resolve(&[fin_older, fin_newer], &ctx(FIN), 0);
        assert_eq!(
            (out.winner, out.rule),
            (Some(1), Some(DecidingRule::MostRecentlyUpdated))
        );
    }

    #[test]
    fn asked_department_filters_and_requires_membership() {
        let c = [fact(1, false, Some(&[DEFAULT]), 1), fact(2, false, None, 1)];
        let asked = Context {
            asked: Some(FIN),
            member_of_asked: true,
            primary: Some(DEFAULT),
        };
        let out = resolve(&c, &asked, 0);
        assert_eq!(out.winner, Some(1));
        assert_eq!(out.standings[0].0, Standing::OutsideDepartment);
        let not_member = Context {
            member_of_asked: false,
            ..asked
        };
        let out = resolve(&c, &not_member, 0);
        assert_eq!(out.winner, None);
        assert_eq!(out.standings[1].0, Standing::CallerNotInDepartment);
    }

    #[test]
    fn ineligible_are_skipped() {
        let mut inactive = fact(1, true, None, 1);
        inactive.active = false;
        let mut expired = fact(2, true, None, 1);
        expired.expires_at = Some(10);
        let mut outside = fact(3, true, None, 1);
        outside.in_scope = false;
        let shared = fact(4, false, None, 1);
        let out = resolve(&[inactive, expired, outside, shared], &ctx(DEFAULT), 10);
        assert_eq!(out.winner, Some(3));
        assert_eq!(out.rule, Some(DecidingRule::OnlyCandidate));
        let standings: Vec<Standing> = out.standings.iter().map(|s| s.0).collect();
        assert_eq!(
            standings,
            [
                Standing::Inactive,
                Standing::Expired,
                Standing::NotInScope,
                Standing::Winner
            ]
        );
        assert_eq!(resolve(&[], &ctx(DEFAULT), 0).winner, None);
    }
}
