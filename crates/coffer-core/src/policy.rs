//! Who may do what (SPEC §2), as pure functions over facts the vault has
//! already loaded and verified. Every operation in the core asks these
//! functions; front ends only display their answers.

use std::collections::BTreeSet;

use crate::api::{Permissions, Reveal, Role, Timestamp};
use crate::error::{Error, Result};

/// The signed-in user as policy sees them (loaded fresh for every operation,
/// so role and membership changes take effect at once).
#[derive(Debug, Clone)]
pub(crate) struct Actor {
    pub id: i64,
    pub username: String,
    pub role: Role,
    pub depts: BTreeSet<i64>,
    pub primary: Option<i64>,
}

pub(crate) use crate::plain::ScopeFacts;

/// The state that decides whether a value may be used.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StateFacts {
    pub active: bool,
    pub expires_at: Option<Timestamp>,
    pub reveal: Reveal,
}

/// How a value is being read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Use {
    /// Shown in the app or by `show --reveal`.
    Reveal,
    /// Copied to the clipboard.
    Copy,
    /// Fetched by key (scripts): allowed for write-only secrets.
    Get,
}

pub(crate) fn is_expired(expires_at: Option<Timestamp>, now: Timestamp) -> bool {
    expires_at.is_some_and(|at| now >= at)
}

impl Actor {
    /// A directory user as policy sees them.
    pub(crate) fn of(u: &crate::trust::state::UserEntry) -> Self {
        Self {
            id: u.id,
            username: u.username.clone(),
            role: u.role,
            depts: u.depts.clone(),
            primary: u.primary,
        }
    }

    pub(crate) fn is_admin(&self) -> bool {
        self.role.is_admin()
    }

    /// `(departments = all OR the user belongs to one) AND (users = all OR
    /// the user created it)`.
    pub(crate) fn in_scope(&self, s: &ScopeFacts) -> bool {
        let dept_ok = s.all_depts || s.depts.iter().any(|d| self.depts.contains(d));
        dept_ok && (!s.private || s.creator == self.id)
    }

    /// Metadata is visible in scope; admins see every non-private secret.
    pub(crate) fn can_see(&self, s: &ScopeFacts) -> bool {
        self.in_scope(s) || (self.is_admin() && !s.private)
    }

    /// Edit and delete: the creator while in scope, and (for a shared
    /// secret) while it names only departments they are in, or all: the
    /// scopes a member may write, as readers check a header's signer
    /// (`seal::header::writer_allowed`), so a member's edit never makes a
    /// header nobody accepts; admins and owner for every secret they can
    /// see (private secrets stay their creator's).
    pub(crate) fn can_edit(&self, s: &ScopeFacts) -> bool {
        let own_depts = s.private || s.all_depts || s.depts.iter().all(|d| self.depts.contains(d));
        (s.creator == self.id && self.in_scope(s) && (self.is_admin() || own_depts))
            || (self.is_admin() && !s.private)
    }

    /// Activate and deactivate: admins and owner only.
    pub(crate) fn can_activate(&self, s: &ScopeFacts) -> bool {
        self.is_admin() && self.can_see(s)
    }

    /// Whether a value may be read now, and if not, the reason to give.
    pub(crate) fn check_use(
        &self,
        s: &ScopeFacts,
        st: &StateFacts,
        how: Use,
        now: Timestamp,
    ) -> Result<()> {
        if !self.in_scope(s) {
            return Err(if self.can_see(s) {
                Error::denied("you are not in this secret's scope, so you cannot read its value")
            } else {
                Error::secret_not_found()
            });
        }
        if !st.active {
            return Err(Error::Inactive);
        }
        if is_expired(st.expires_at, now) {
            return Err(Error::Expired);
        }
        if how != Use::Get && st.reveal == Reveal::Never {
            return Err(Error::WriteOnly);
        }
        Ok(())
    }

    /// The scopes a user may create (or move) a secret into.
    pub(crate) fn check_target_scope(&self, s: &ScopeFacts) -> Result<()> {
        if !self.is_admin() && !s.all_depts && !s.depts.iter().all(|d| self.depts.contains(d)) {
            return Err(Error::denied(
                "members can scope secrets only to their own departments or to all departments",
            ));
        }
        if s.private && !self.in_scope(s) {
            return Err(Error::invalid(
                "a private secret must include one of your departments (or all), or you could not read it",
            ));
        }
        Ok(())
    }

    pub(crate) fn permissions(
        &self,
        s: &ScopeFacts,
        st: &StateFacts,
        now: Timestamp,
    ) -> Permissions {
        let readable = self.check_use(s, st, Use::Reveal, now).is_ok();
        let edit = self.can_edit(s);
        Permissions {
            reveal: readable,
            copy: readable,
            edit,
            delete: edit,
            activate: self.can_activate(s),
        }
    }

    /// Managing users and departments: owner and admins.
    pub(crate) fn check_manage_directory(&self) -> Result<()> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(Error::denied(
                "only admins and the owner manage users and departments",
            ))
        }
    }

    /// Creating, changing, enabling or disabling a user with `target` role
    /// (and, for role changes, to `new_role`).
    pub(crate) fn check_manage_user(&self, target: Role, new_role: Option<Role>) -> Result<()> {
        self.check_manage_directory()?;
        if target == Role::Owner || new_role == Some(Role::Owner) {
            return Err(Error::denied(
                "the owner's account cannot be changed this way",
            ));
        }
        let touches_admin = target == Role::Admin || new_role == Some(Role::Admin);
        if touches_admin && self.role != Role::Owner {
            return Err(Error::denied(
                "only the owner makes, changes or removes admins",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(id: i64, role: Role, depts: &[i64]) -> Actor {
        Actor {
            id,
            username: format!("u{id}"),
            role,
            depts: depts.iter().copied().collect(),
            primary: depts.first().copied(),
        }
    }

    const OPEN: StateFacts = StateFacts {
        active: true,
        expires_at: None,
        reveal: Reveal::Allowed,
    };

    #[test]
    fn scope_rule() {
        let ana = actor(1, Role::Member, &[10]);
        let shared = ScopeFacts {
            creator: 2,
            private: false,
            all_depts: false,
            depts: &[10],
        };
        let other = ScopeFacts {
            creator: 2,
            private: false,
            all_depts: false,
            depts: &[11],
        };
        let everyone = ScopeFacts {
            creator: 2,
            private: false,
            all_depts: true,
            depts: &[],
        };
        let private_of_2 = ScopeFacts {
            creator: 2,
            private: true,
            all_depts: true,
            depts: &[],
        };
        assert!(ana.in_scope(&shared));
        assert!(!ana.in_scope(&other));
        assert!(ana.in_scope(&everyone));
        assert!(!ana.in_scope(&private_of_2));
    }

    #[test]
    fn a_member_edits_her_secret_only_while_it_names_only_her_departments() {
        let member = actor(2, Role::Member, &[10]);
        let mine = |depts: &'static [i64]| ScopeFacts {
            creator: 2,
            private: false,
            all_depts: false,
            depts,
        };
        assert!(member.can_edit(&mine(&[10])));
        // Another department added by an admin, or one she has left.
        assert!(!member.can_edit(&mine(&[10, 11])));
        assert!(member.in_scope(&mine(&[10, 11])), "she still reads it");
        let all = ScopeFacts {
            all_depts: true,
            depts: &[],
            ..mine(&[])
        };
        assert!(member.can_edit(&all));
        let private = ScopeFacts {
            private: true,
            ..mine(&[10, 11])
        };
        assert!(member.can_edit(&private), "a private secret is hers alone");
        assert!(actor(1, Role::Admin, &[10]).can_edit(&mine(&[10, 11])));
    }

    #[test]
    fn admins_see_but_do_not_read_outside_scope() {
        let admin = actor(1, Role::Admin, &[10]);
        let fin = ScopeFacts {
            creator: 2,
            private: false,
            all_depts: false,
            depts: &[11],
        };
        assert!(admin.can_see(&fin));
        assert!(admin.can_edit(&fin));
        assert!(admin.can_activate(&fin));
        assert_eq!(
            admin
                .check_use(&fin, &OPEN, Use::Get, 0)
                .map_err(|e| e.code()),
            Err(crate::ErrorCode::PermissionDenied)
        );
        let private = ScopeFacts {
            creator: 2,
            private: true,
            all_depts: true,
            depts: &[],
        };
        assert!(!admin.can_see(&private));
        assert_eq!(
            admin
                .check_use(&private, &OPEN, Use::Get, 0)
                .map_err(|e| e.code()),
            Err(crate::ErrorCode::NotFound)
        );
    }

    #[test]
    fn state_checks_in_order() {
        let ana = actor(1, Role::Member, &[10]);
        let s = ScopeFacts {
            creator: 1,
            private: false,
            all_depts: false,
            depts: &[10],
        };
        let code = |st: StateFacts, how| ana.check_use(&s, &st, how, 100).map_err(|e| e.code());
        assert_eq!(
            code(
                StateFacts {
                    active: false,
                    ..OPEN
                },
                Use::Get
            ),
            Err(crate::ErrorCode::Inactive)
        );
        assert_eq!(
            code(
                StateFacts {
                    expires_at: Some(100),
                    ..OPEN
                },
                Use::Get
            ),
            Err(crate::ErrorCode::Expired)
        );
        assert_eq!(
            code(
                StateFacts {
                    expires_at: Some(101),
                    ..OPEN
                },
                Use::Get
            ),
            Ok(())
        );
        let wo = StateFacts {
            reveal: Reveal::Never,
            ..OPEN
        };
        assert_eq!(code(wo, Use::Reveal), Err(crate::ErrorCode::WriteOnly));
        assert_eq!(code(wo, Use::Copy), Err(crate::ErrorCode::WriteOnly));
        assert_eq!(code(wo, Use::Get), Ok(()));
    }

    #[test]
    fn creation_scopes() {
        let member = actor(1, Role::Member, &[10]);
        let admin = actor(2, Role::Admin, &[10]);
        let foreign = ScopeFacts {
            creator: 1,
            private: false,
            all_depts: false,
            depts: &[10, 11],
        };
        assert!(member.check_target_scope(&foreign).is_err());
        assert!(
            admin
                .check_target_scope(&ScopeFacts {
                    creator: 2,
                    ..foreign
                })
                .is_ok()
        );
        let all = ScopeFacts {
            creator: 1,
            private: false,
            all_depts: true,
            depts: &[],
        };
        assert!(member.check_target_scope(&all).is_ok());
        let private_elsewhere = ScopeFacts {
            creator: 2,
            private: true,
            all_depts: false,
            depts: &[11],
        };
        assert!(admin.check_target_scope(&private_elsewhere).is_err());
    }

    #[test]
    fn only_owner_touches_admins() {
        let owner = actor(1, Role::Owner, &[]);
        let admin = actor(2, Role::Admin, &[]);
        let member = actor(3, Role::Member, &[]);
        assert!(
            owner
                .check_manage_user(Role::Member, Some(Role::Admin))
                .is_ok()
        );
        assert!(admin.check_manage_user(Role::Member, None).is_ok());
        assert!(
            admin
                .check_manage_user(Role::Member, Some(Role::Admin))
                .is_err()
        );
        assert!(admin.check_manage_user(Role::Admin, None).is_err());
        assert!(owner.check_manage_user(Role::Owner, None).is_err());
        assert!(member.check_manage_user(Role::Member, None).is_err());
    }
}
