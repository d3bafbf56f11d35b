//! Buyer names as overlays show them: every name cleaned ([`clean`]), then
//! moderated by the deployment's `overlay.*` keys and each guild's own choices
//! (`/overlay names|block|unblock`, kept by [`store`]); whatever does not pass is
//! "someone". The lobby actors ask [`BuyerNames::shown`] as they build each
//! frame, so a change of the rules shows from the next frame and snapshot on.

pub mod clean;
mod mode;
pub mod store;
pub mod words;

use std::collections::{BTreeSet, HashMap};
use std::sync::RwLock;

use rust_decimal::Decimal;
use sea_orm::{DatabaseConnection, DbErr};

use crate::domain::ids::GuildId;
use crate::money::Money;
pub use mode::NameMode;
use words::{BlockedWord, NormalName};

/// Words one guild may record (blocked or allowed), so that no admin can grow
/// the server's memory without bound.
pub const GUILD_WORDS_MAX: u64 = 200;

/// What the configuration says for every guild (`[overlay]`).
#[derive(Clone, Debug)]
pub struct NameRules {
    pub mode: NameMode,
    /// `overlay.blocked_words`, or the list shipped with the binary.
    pub blocked: Vec<BlockedWord>,
    /// Sales below this amount show "someone" (`overlay.min_amount_for_name`).
    pub min_amount: Decimal,
}

impl Default for NameRules {
    fn default() -> Self {
        NameRules {
            mode: NameMode::Public,
            blocked: words::default_words(),
            min_amount: Decimal::ZERO,
        }
    }
}

/// A guild's own choices on top of the [`NameRules`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GuildNames {
    /// `None`: the deployment's mode.
    pub mode: Option<NameMode>,
    /// Blocked here besides the deployment's list.
    pub blocked: BTreeSet<BlockedWord>,
    /// Not blocked here although the deployment's list blocks it.
    pub allowed: BTreeSet<BlockedWord>,
}

/// The rules in force: the deployment's and every guild's. Shared by the lobby
/// actors (which read it for each frame) and the `/overlay` commands (which
/// write a guild's choices through [`store`] first, then here).
pub struct BuyerNames {
    rules: NameRules,
    /// By guild id; written only by [`Self::update`], after the database.
    guilds: RwLock<HashMap<GuildId, GuildNames>>,
}

impl BuyerNames {
    pub fn new(rules: NameRules, guilds: HashMap<GuildId, GuildNames>) -> Self {
        BuyerNames {
            rules,
            guilds: RwLock::new(guilds),
        }
    }

    /// The deployment's rules with every guild's choices read from the database.
    pub async fn load(rules: NameRules, db: &DatabaseConnection) -> Result<Self, DbErr> {
        Ok(Self::new(rules, store::load_all(db).await?))
    }

    /// Reads every guild's choices again: with several processes on one
    /// database, a guild's `/overlay names|block|unblock` ran on another one
    /// (announced on the lobby bus), or this one may have missed the
    /// announcement. On failure the choices in force stay.
    pub async fn reload(&self, db: &DatabaseConnection) {
        match store::load_all(db).await {
            Ok(guilds) => *self.guilds.write().unwrap_or_else(|p| p.into_inner()) = guilds,
            Err(error) => tracing::warn!(%error, "guilds' buyer-name rules not read again"),
        }
    }

    /// The name an overlay shows for a sale's buyer, or `None` for "someone":
    /// `buyer` is the name the buyer allowed on stream (`None` when they did not).
    pub fn shown(
        &self,
        guild: Option<GuildId>,
        buyer: Option<&str>,
        amount: Money,
    ) -> Option<String> {
        let buyer = buyer?;
        if amount.amount() < self.rules.min_amount {
            return None;
        }
        let cleaned = clean::clean(buyer)?;
        let guilds = self
            .guilds
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let own = guild.and_then(|g| guilds.get(&g));
        let mode = own.and_then(|o| o.mode).unwrap_or(self.rules.mode);
        if mode == NameMode::Off {
            return None;
        }
        let name = NormalName::of(&cleaned);
        let blocked_here = |word: &BlockedWord| word.matches(&name);
        let by_deployment = self
            .rules
            .blocked
            .iter()
            .filter(|word| !own.is_some_and(|o| o.allowed.contains(*word)))
            .any(blocked_here);
        if by_deployment || own.is_some_and(|o| o.blocked.iter().any(blocked_here)) {
            return None;
        }
        mode.apply(&cleaned)
    }

    /// A guild's choices as they are now.
    pub fn guild(&self, guild: GuildId) -> GuildNames {
        let guilds = self
            .guilds
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        guilds.get(&guild).cloned().unwrap_or_default()
    }

    /// Whether the deployment's list holds this pattern.
    pub fn deployment_blocks(&self, word: &BlockedWord) -> bool {
        self.rules.blocked.contains(word)
    }

    /// Changes a guild's choices in memory (after they were stored).
    pub fn update(&self, guild: GuildId, change: impl FnOnce(&mut GuildNames)) {
        let mut guilds = self
            .guilds
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        change(guilds.entry(guild).or_default());
    }
}

#[cfg(test)]
mod tests;
