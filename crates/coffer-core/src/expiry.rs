//! Which of the signed-in user's secrets have expired or expire soon: for
//! `coffer list --expiring` and the app's expiry notifications.
//!
//! "The user's secrets" are those they are in scope of (the ones `get`
//! would return to them while valid) and that are active: an admin is not
//! warned about every secret whose metadata they can see, and an inactive
//! secret is not in use. Write-only ones count (they expire too). Served
//! from the session's decrypted table (see `listing`), soonest first.

use crate::access::Labels;
use crate::api::{SecretSummary, Timestamp};
use crate::cx::Cx;
use crate::error::Result;
use crate::listing::{self, Check, ListCache, MetaState};

/// Secrets the user is in scope of, active, that expired already or expire
/// within `within` milliseconds from now; soonest (most overdue) first.
pub(crate) fn expiring(
    cx: &mut Cx,
    cache: &mut ListCache,
    within: Timestamp,
) -> Result<Vec<SecretSummary>> {
    listing::refresh(cx, cache)?;
    let (actor, now) = (cx.actor().clone(), cx.now());
    let horizon = now.saturating_add(within.max(0));
    let picks: Vec<usize> = cache
        .entries
        .iter()
        .enumerate()
        .filter(|(_, e)| {
            let Some(h) = &e.header else { return false };
            matches!(e.check, Check::Pending | Check::Passed)
                && matches!(e.meta, MetaState::Ok { .. })
                && h.active
                && actor.in_scope(&h.scope())
                && h.expires_at.is_some_and(|at| at <= horizon)
        })
        .map(|(i, _)| i)
        .collect();
    listing::check(cx, cache, &picks)?;
    let labels = Labels::of(cx.dir(), now);
    let mut out: Vec<SecretSummary> = picks
        .into_iter()
        .filter_map(|i| {
            let e = &cache.entries[i];
            let meta = match &e.meta {
                MetaState::Ok { meta, .. } => Some(meta),
                _ => None,
            };
            Some(labels.summary(&actor, e.checked()?, meta))
        })
        .collect();
    out.sort_by_key(|s| (s.expires_at, s.id));
    Ok(out)
}
