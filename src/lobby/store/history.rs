//! The window and roster history the SalesRouter attributes a sale from: which
//! windows of `lobby_windows` were open during the sale's second, with whom on
//! `roster_memberships`, in one round trip.

use chrono::{DateTime, Duration, DurationRound, Utc};
use entity::{lobby_window, roster_membership};
use sea_orm::sea_query::{Condition, Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr};

/// One window open during a sale's second, with one racer on its roster then
/// (`None`: nobody was).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenDuring {
    pub lobby_id: i64,
    pub opened_at: DateTime<Utc>,
    pub racer: Option<String>,
}

/// The windows open during the second of `sold_at`, each with the racers on its
/// roster then, in one round trip; `only` narrows it to one lobby (a tagged sale).
/// Provider times have whole-second resolution, so a window or a roster interval
/// counts when it overlaps `[S, S+1)`: it started before S+1 and had not ended
/// before S.
pub async fn open_during_second(
    db: &DatabaseConnection,
    sold_at: DateTime<Utc>,
    only: Option<i64>,
) -> Result<Vec<OpenDuring>, DbErr> {
    let query = open_during_query(sold_at, only);
    let mut open = Vec::new();
    for row in db.query_all(&query).await? {
        open.push(OpenDuring {
            lobby_id: row.try_get_by_index(0)?,
            opened_at: row.try_get_by_index(1)?,
            racer: row.try_get_by_index(2)?,
        });
    }
    Ok(open)
}

/// Windows and roster intervals still running or ended at `since` or later, of
/// every lobby or `only` one: what the in-memory timeline is loaded from at
/// start-up, and what a lobby read again refreshes it with.
pub async fn history_since(
    db: &DatabaseConnection,
    since: DateTime<Utc>,
    only: Option<i64>,
) -> Result<(Vec<lobby_window::Model>, Vec<roster_membership::Model>), DbErr> {
    use sea_orm::{EntityTrait, QueryFilter};
    let windows = lobby_window::Entity::find()
        .filter(
            Condition::any()
                .add(lobby_window::Column::ClosedAt.is_null())
                .add(lobby_window::Column::ClosedAt.gte(since)),
        )
        .filter(Condition::all().add_option(only.map(|id| lobby_window::Column::LobbyId.eq(id))))
        .all(db)
        .await?;
    let stints = roster_membership::Entity::find()
        .filter(
            Condition::any()
                .add(roster_membership::Column::LeftAt.is_null())
                .add(roster_membership::Column::LeftAt.gte(since)),
        )
        .filter(
            Condition::all().add_option(only.map(|id| roster_membership::Column::LobbyId.eq(id))),
        )
        .all(db)
        .await?;
    Ok((windows, stints))
}

fn open_during_query(sold_at: DateTime<Utc>, only: Option<i64>) -> SelectStatement {
    use lobby_window::Column as Window;
    use roster_membership::Column as Roster;
    let second = sold_at
        .duration_trunc(Duration::seconds(1))
        .unwrap_or(sold_at);
    let next = second + Duration::seconds(1);
    let on_roster = Condition::all()
        .add(Expr::col(Roster::LobbyId.as_column_ref()).equals(Window::LobbyId.as_column_ref()))
        .add(Roster::JoinedAt.lt(next))
        .add(
            Condition::any()
                .add(Roster::LeftAt.is_null())
                .add(Roster::LeftAt.gte(second)),
        );
    let window_open = Condition::all()
        .add(Window::OpenedAt.lt(next))
        .add(
            Condition::any()
                .add(Window::ClosedAt.is_null())
                .add(Window::ClosedAt.gte(second)),
        )
        .add_option(only.map(|id| Window::LobbyId.eq(id)));
    Query::select()
        .expr(Window::LobbyId.into_expr())
        .expr(Window::OpenedAt.into_expr())
        .expr(Roster::DiscordId.into_expr())
        .from(lobby_window::Entity)
        .left_join(roster_membership::Entity, on_roster)
        .cond_where(window_open)
        .to_owned()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use sea_orm::DbBackend;

    use super::*;

    /// The SalesRouter's one round trip: windows open during `[S, S+1)`, each
    /// left-joined to the roster intervals that overlapped that second.
    #[test]
    fn windows_and_rosters_of_a_second_in_one_statement() {
        let sold_at =
            Utc.with_ymd_and_hms(2025, 10, 9, 9, 21, 0).unwrap() + Duration::milliseconds(700);
        let sql = DbBackend::Sqlite
            .build(&open_during_query(sold_at, Some(3)))
            .to_string();
        assert_eq!(
            sql,
            concat!(
                r#"SELECT "lobby_windows"."lobby_id", "lobby_windows"."opened_at", "roster_memberships"."discord_id" "#,
                r#"FROM "lobby_windows" LEFT JOIN "roster_memberships" ON "roster_memberships"."lobby_id" = "lobby_windows"."lobby_id" "#,
                r#"AND "roster_memberships"."joined_at" < '2025-10-09 09:21:01.000000 +00:00' "#,
                r#"AND ("roster_memberships"."left_at" IS NULL OR "roster_memberships"."left_at" >= '2025-10-09 09:21:00.000000 +00:00') "#,
                r#"WHERE "lobby_windows"."opened_at" < '2025-10-09 09:21:01.000000 +00:00' "#,
                r#"AND ("lobby_windows"."closed_at" IS NULL OR "lobby_windows"."closed_at" >= '2025-10-09 09:21:00.000000 +00:00') "#,
                r#"AND "lobby_windows"."lobby_id" = 3"#,
            )
        );
        let untagged = DbBackend::Postgres
            .build(&open_during_query(sold_at, None))
            .to_string();
        assert!(
            untagged.ends_with(
                r#""lobby_windows"."closed_at" >= '2025-10-09 09:21:00.000000 +00:00')"#
            ),
            "{untagged}"
        );
    }
}
