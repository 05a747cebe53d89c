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
    /// IANA name of the time zone "today", periods and overdue are reckoned in.
    pub time_zone: String,
    pub version: i64,
}

impl OrgSettings {
    /// The organization's time zone (the default if the stored name is not one).
    pub fn tz(&self) -> chrono_tz::Tz {
        opportune_core::clock::parse_time_zone(&self.time_zone)
            .unwrap_or(opportune_core::clock::DEFAULT_TIME_ZONE)
    }

    /// The date it is now in the organization's time zone.
    pub fn today(&self) -> chrono::NaiveDate {
        opportune_core::clock::today_in(self.tz(), chrono::Utc::now())
    }
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
        "SELECT name, currency, fiscal_year_start_month, locale, default_sales_cycle_days, week_start, time_zone, version FROM org_settings WHERE id = 1"
    ).fetch_one(c).await)?)
}

/// Saves the settings read at `version`; `Stale` if someone saved in between.
pub async fn update(db: &Db, version: i64, s: &OrgSettings) -> Result<OrgSettings> {
    let mut tx = db.begin().await?;
    let n = write!(&mut tx, c => sqlx::query(
        "UPDATE org_settings SET name = $1, currency = $2, fiscal_year_start_month = $3, locale = $4, default_sales_cycle_days = $5, week_start = $6, time_zone = $7, version = version + 1 WHERE id = 1 AND version = $8"
    ).bind(&s.name).bind(&s.currency).bind(s.fiscal_year_start_month).bind(&s.locale).bind(s.default_sales_cycle_days)
    .bind(s.week_start).bind(&s.time_zone).bind(version).execute(c).await.map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(DbError::Stale);
    }
    tx.commit().await?;
    get(db).await
}
