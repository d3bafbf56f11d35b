//! sea-orm migrations for Cozy-Kart: one file per schema change, never edited once
//! landed; they run at start-up and with `cozykart migrate`.
pub use sea_orm_migration::prelude::*;

mod m20261125_000001_create_schema;
mod m20261125_000002_interactions;
mod m20261125_000003_guild_money;
mod m20261126_000001_lobby_seq;
mod m20261126_001500_lobby_goal;
mod m20261202_000001_overlay_names;
mod m20261202_000002_payout_request_hash;
mod m20261202_000003_pruning_indexes;
mod m20261202_000004_discord_outbox;
mod m20261202_000005_store_credit;
mod m20261203_000001_race_announcements;
mod m20261203_000002_lighter_write_set;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_create_schema::Migration),
            Box::new(m20261125_000002_interactions::Migration),
            Box::new(m20261125_000003_guild_money::Migration),
            Box::new(m20261126_000001_lobby_seq::Migration),
            Box::new(m20261126_001500_lobby_goal::Migration),
            Box::new(m20261202_000001_overlay_names::Migration),
            Box::new(m20261202_000002_payout_request_hash::Migration),
            Box::new(m20261202_000003_pruning_indexes::Migration),
            Box::new(m20261202_000004_discord_outbox::Migration),
            Box::new(m20261202_000005_store_credit::Migration),
            Box::new(m20261203_000001_race_announcements::Migration),
            Box::new(m20261203_000002_lighter_write_set::Migration),
        ]
    }
}
