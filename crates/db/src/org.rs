//! Organization settings: one row.

use crate::{Db, DbError, Result, Tx, read, write};

#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct OrgSettings {
    pub name: String,
    pub currency: String,
    pub fiscal_year_start_month: i64,
    pub locale: String,
    pub default_sales_cycle_days: i64,
    pub week_start: i64,
    pub version: i64,
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
        "SELECT name, currency, fiscal_year_start_month, locale, default_sales_cycle_days, week_start, version FROM org_settings WHERE id = 1"
    ).fetch_one(c).await)?)
}

/// Saves the settings read at `version`; `Stale` if someone saved in between.
pub async fn update(db: &Db, version: i64, s: &OrgSettings) -> Result<OrgSettings> {
    let mut tx = db.begin().await?;
    let n = write!(&mut tx, c => sqlx::query(
        "UPDATE org_settings SET name = $1, currency = $2, fiscal_year_start_month = $3, locale = $4, default_sales_cycle_days = $5, week_start = $6, version = version + 1 WHERE id = 1 AND version = $7"
    ).bind(&s.name).bind(&s.currency).bind(s.fiscal_year_start_month).bind(&s.locale).bind(s.default_sales_cycle_days)
    .bind(s.week_start).bind(version).execute(c).await.map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(DbError::Stale);
    }
    tx.commit().await?;
    get(db).await
}
