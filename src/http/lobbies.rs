//! Lobby lists and snapshots. Public (`GET /api/lobbies`, `/api/lobbies/{lobby}`):
//! display names only, never a Discord or guild id; idle and open lobbies unless
//! `?state=` asks for one state. Admin (`GET /api/admin/lobbies`,
//! `/api/admin/lobbies/{lobby}`): the full view, every state, `?guild=`. Both
//! paged newest first with `limit` (at most 100) and `cursor`.

use actix_web::{web, HttpRequest, HttpResponse};
use sea_orm::ActiveEnum;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::extract::lobby;
use super::ApiError;
use crate::lobby::store::{self, LobbyFilter, PAGE_MAX};
use crate::lobby::{LobbyState, LobbyView, Snapshot};
use crate::money::Pot;
use crate::services::Services;

/// What anyone may see of a lobby.
#[derive(Serialize)]
struct PublicLobby<'a> {
    code: &'a str,
    name: &'a str,
    state: LobbyState,
    racers: Vec<PublicRacer<'a>>,
    pot: &'a Pot,
}

#[derive(Serialize)]
struct PublicRacer<'a> {
    display_name: &'a str,
}

impl<'a> From<&'a LobbyView> for PublicLobby<'a> {
    fn from(view: &'a LobbyView) -> Self {
        PublicLobby {
            code: view.code.as_str(),
            name: &view.name,
            state: view.state,
            racers: view
                .racers
                .iter()
                .map(|r| PublicRacer {
                    display_name: &r.display_name,
                })
                .collect(),
            pot: &view.pot,
        }
    }
}

#[derive(Deserialize)]
pub struct ListQuery {
    /// `idle`, `open` or `closed`: only lobbies in that state.
    state: Option<String>,
    /// Admin only: one guild's lobbies.
    guild: Option<String>,
    limit: Option<u64>,
    /// The previous page's `next_cursor`.
    cursor: Option<String>,
}

impl ListQuery {
    /// The filter it asks for; without `state`, `default_states`.
    fn filter(&self, default_states: &[LobbyState]) -> Result<(LobbyFilter, u64), ApiError> {
        let states = match self.state.as_deref() {
            None | Some("") => default_states.to_vec(),
            Some(text) => vec![LobbyState::try_from_value(&text.to_owned())
                .map_err(|_| bad("invalid_state", "state is one of idle, open, closed"))?],
        };
        let before =
            match self.cursor.as_deref().filter(|c| !c.is_empty()) {
                None => None,
                Some(text) => Some(text.parse::<i64>().ok().filter(|id| *id > 0).ok_or_else(
                    || bad("invalid_cursor", "cursor is a next_cursor of this list"),
                )?),
            };
        let limit = self.limit.unwrap_or(PAGE_MAX);
        if !(1..=PAGE_MAX).contains(&limit) {
            return Err(bad("invalid_limit", format!("limit is 1 to {PAGE_MAX}")));
        }
        let filter = LobbyFilter {
            states,
            guild: self.guild.clone().filter(|g| !g.is_empty()),
            before,
        };
        Ok((filter, limit))
    }
}

fn bad(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::BadRequest {
        code,
        message: message.into(),
    }
}

/// One page of lobbies, and the cursor of the next page if there may be one. A
/// lobby whose actor runs shows its live view; one that does not (a closed lobby
/// at rest) is read from the database, with no race and so an empty pot.
async fn page(
    services: &Services,
    filter: &LobbyFilter,
    limit: u64,
) -> Result<(Vec<LobbyView>, Option<String>), ApiError> {
    let rows = store::lobby_page(&services.db, filter, limit).await?;
    // Each row's actor is looked up once, so a row whose roster was not read is
    // never shown from the database.
    let running: Vec<_> = rows
        .iter()
        .map(|row| {
            store::lobby_id(row.id)
                .ok()
                .and_then(|id| services.lobbies.get(id))
        })
        .collect();
    let resting: Vec<i64> = rows
        .iter()
        .zip(&running)
        .filter(|(_, entry)| entry.is_none())
        .map(|(row, _)| row.id)
        .collect();
    let mut rosters = store::rosters_now(&services.db, &resting).await?;
    let mut views = Vec::with_capacity(rows.len());
    for (row, entry) in rows.iter().zip(running) {
        let live = match entry {
            Some(entry) => entry.addr.send(Snapshot).await.ok(),
            None => None,
        };
        let view = match live {
            Some(view) => view,
            None => LobbyView::at_rest(row, rosters.remove(&row.id).unwrap_or_default())
                .map_err(|e| ApiError::Internal(format!("stored {e}")))?,
        };
        views.push(view);
    }
    let next = (rows.len() as u64 == limit)
        .then(|| rows.last().map(|row| row.id.to_string()))
        .flatten();
    Ok((views, next))
}

/// `GET /api/lobbies`: idle and open lobbies of every guild, or `?state=`.
pub async fn list(
    services: web::Data<Services>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    if query.guild.is_some() {
        return Err(bad("unknown_parameter", "guild is for the admin API"));
    }
    let (filter, limit) = query.filter(&[LobbyState::Idle, LobbyState::Open])?;
    let (views, next_cursor) = page(&services, &filter, limit).await?;
    let lobbies: Vec<PublicLobby> = views.iter().map(PublicLobby::from).collect();
    Ok(HttpResponse::Ok().json(json!({ "lobbies": lobbies, "next_cursor": next_cursor })))
}

/// `GET /api/lobbies/{lobby}`: one lobby's public view.
pub async fn one(
    services: web::Data<Services>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let view = snapshot(&services, &path).await?;
    Ok(HttpResponse::Ok().json(PublicLobby::from(&view)))
}

/// `GET /api/admin/lobbies`: every state (or `?state=`), `?guild=`, full views.
pub async fn admin_list(
    services: web::Data<Services>,
    request: HttpRequest,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    super::admin::authorize(&services, &request)?;
    let (filter, limit) = query.filter(&[])?;
    let (views, next_cursor) = page(&services, &filter, limit).await?;
    Ok(HttpResponse::Ok().json(json!({ "lobbies": views, "next_cursor": next_cursor })))
}

/// `GET /api/admin/lobbies/{lobby}`: one lobby's full view.
pub async fn admin_one(
    services: web::Data<Services>,
    request: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    super::admin::authorize(&services, &request)?;
    let view = snapshot(&services, &path).await?;
    Ok(HttpResponse::Ok().json(view))
}

async fn snapshot(services: &Services, key: &str) -> Result<LobbyView, ApiError> {
    let entry = lobby(&services.lobbies, key).await?;
    entry.addr.send(Snapshot).await.map_err(|_| ApiError::Busy)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(state: Option<&str>, limit: Option<u64>, cursor: Option<&str>) -> ListQuery {
        ListQuery {
            state: state.map(Into::into),
            guild: None,
            limit,
            cursor: cursor.map(Into::into),
        }
    }

    #[test]
    fn list_queries_are_checked() {
        let (filter, limit) = query(None, None, None)
            .filter(&[LobbyState::Idle, LobbyState::Open])
            .unwrap();
        assert_eq!(filter.states, [LobbyState::Idle, LobbyState::Open]);
        assert_eq!(limit, PAGE_MAX);
        let (closed, _) = query(Some("closed"), Some(10), Some("42"))
            .filter(&[])
            .unwrap();
        assert_eq!(closed.states, [LobbyState::Closed]);
        assert_eq!(closed.before, Some(42));
        for (q, code) in [
            (query(Some("bogus"), None, None), "invalid_state"),
            (query(None, Some(0), None), "invalid_limit"),
            (query(None, Some(101), None), "invalid_limit"),
            (query(None, None, Some("x")), "invalid_cursor"),
        ] {
            assert_eq!(q.filter(&[]).unwrap_err().code(), code);
        }
    }
}
