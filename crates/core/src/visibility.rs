//! Who sees what (SPEC §1): a rep their own records, a manager their team's subtree, an admin all.

use crate::records::Role;

/// The viewer of a query: the database turns this into the same WHERE clause everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewer {
    pub user_id: i64,
    pub role: Role,
    pub team_id: Option<i64>,
}

impl Viewer {
    /// Whether this viewer may see a record owned by `owner_id` in team `team_id`, given whether
    /// that team lies in the viewer's team subtree. Mirrors the SQL visibility clause, for rules
    /// applied in memory.
    pub fn sees(&self, owner_id: i64, in_my_subtree: bool) -> bool {
        match self.role {
            Role::Admin => true,
            Role::Manager => owner_id == self.user_id || in_my_subtree,
            Role::Rep => owner_id == self.user_id,
        }
    }

    /// Whether the viewer may hand records to other owners.
    pub fn can_assign(&self) -> bool {
        self.role != Role::Rep
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_role() {
        let rep = Viewer {
            user_id: 1,
            role: Role::Rep,
            team_id: Some(3),
        };
        assert!(rep.sees(1, true));
        assert!(!rep.sees(2, true));
        let mgr = Viewer {
            role: Role::Manager,
            ..rep
        };
        assert!(mgr.sees(2, true));
        assert!(!mgr.sees(2, false));
        let admin = Viewer {
            role: Role::Admin,
            ..rep
        };
        assert!(admin.sees(9, false));
        assert!(!rep.can_assign() && mgr.can_assign());
    }
}
