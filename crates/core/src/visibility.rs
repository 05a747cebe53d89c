//! Who sees what (SPEC §1): a rep their own records, a manager their team's subtree, an admin all.
//! The rule is written in SQL by one module of `opportune-db` (`visibility`: the texts for one
//! record, for the lists, for the counts and for the kept views' versions, one test there holding
//! them all to the rule): this is the viewer it is written for.

use crate::records::Role;

/// The viewer of a query: the database turns this into the same WHERE clause everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewer {
    pub user_id: i64,
    pub role: Role,
    pub team_id: Option<i64>,
}

impl Viewer {
    /// Whether the viewer may hand records to other owners.
    pub fn can_assign(&self) -> bool {
        self.role != Role::Rep
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_managers_and_admins_assign_records() {
        let rep = Viewer {
            user_id: 1,
            role: Role::Rep,
            team_id: Some(3),
        };
        let mgr = Viewer {
            role: Role::Manager,
            ..rep
        };
        let admin = Viewer {
            role: Role::Admin,
            ..rep
        };
        assert!(!rep.can_assign() && mgr.can_assign() && admin.can_assign());
    }
}
