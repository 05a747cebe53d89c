//! Organization settings: one row.

use crate::{Db, Result, Tx, read, write};

#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct OrgSettings {
    pub name: String,
    pub currency: String,
    pub fiscal_year_start_month: i64,
    pub locale: String,
    pub default_sales_cycle_days: i64,
    pub week_start: i64,
}

/// Creates the settings row on first start; leaves existing settings alone.
pub async fn ensure(tx: &mut Tx) -> Result<()> {
    write!(tx, c => sqlx::query(
        "INSERT INTO org_settings (id, name) VALUES (1, 'Opportune') ON CONFLICT (id) DO NOTHING"
    ).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn get(db: &Db) -> Result<OrgSettings> {
    Ok(read!(db, c => sqlx::query_as(
        "SELECT name, currency, fiscal_year_start_month, locale, default_sales_cycle_days, week_start FROM org_settings WHERE id = 1"
    ).fetch_one(c).await)?)
}
