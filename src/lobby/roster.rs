//! A racer on a lobby's roster as the lobby actor holds it: the ids parsed from
//! the stored roster row, the name shown, and the row to close on leave.

use entity::roster_membership;

use crate::domain::ids::{BadId, UserId};

pub(super) struct Racer {
    pub(super) discord_id: UserId,
    pub(super) display_name: String,
    /// Row of the open roster interval, closed on leave.
    pub(super) membership_id: i64,
}

impl TryFrom<roster_membership::Model> for Racer {
    type Error = BadId;
    fn try_from(membership: roster_membership::Model) -> Result<Self, BadId> {
        Ok(Racer {
            discord_id: membership.discord_id.parse()?,
            display_name: membership.display_name,
            membership_id: membership.id,
        })
    }
}
