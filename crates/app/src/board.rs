//! The pipeline board: a column per stage of a process with its open deals' count, raw and
//! weighted amount, and its first cards (soonest close first).

use crate::{App, Error};
use opportune_core::Money;
use opportune_core::board::{ColumnTotals, grand_total};
use opportune_core::records::OppStatus;
use opportune_core::visibility::Viewer;
use opportune_db::opportunities::{self, Card, OppFilter};
use opportune_db::processes::Process;

/// What a board asks for.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// The process whose stages make the columns; the first active one when absent.
    pub process_id: Option<i64>,
    /// Which deals (the board adds the process and the open status).
    pub filter: OppFilter,
    /// Cards per column, and how many to skip in each.
    pub per_column: i64,
    pub offset: i64,
}

/// The board's data: a column per stage with its open deals, count, raw and weighted amount.
pub struct Board {
    pub process: Process,
    pub columns: Vec<(ColumnTotals, Vec<Card>)>,
    pub total: ColumnTotals,
}

/// Loads a board: the process, one grouped query for the column heads, one for the cards.
pub async fn load(app: &App, v: &Viewer, req: Request, procs: &[Process]) -> Result<Board, Error> {
    let process = match req.process_id {
        Some(id) => procs
            .iter()
            .find(|p| p.row.id == id)
            .ok_or_else(|| Error::invalid("process_id", "not_found"))?,
        None => procs.iter().find(|p| p.row.active).ok_or(Error::NotFound)?,
    }
    .clone();
    let filter = OppFilter {
        process_id: Some(process.row.id),
        status: Some(OppStatus::Open.as_str().to_owned()),
        ..req.filter
    };
    let (per_column, offset) = (req.per_column, req.offset);
    let sums = opportunities::stage_sums(&app.db, v, &filter).await?;
    let stage_ids: Vec<i64> = process.stages.iter().map(|s| s.row.id).collect();
    let deals = sums.iter().map(|s| s.count).sum();
    let mut cards =
        opportunities::board_cards(&app.db, v, &filter, &stage_ids, deals, per_column, offset)
            .await?;
    let mut columns = Vec::with_capacity(process.stages.len());
    for s in &process.stages {
        let sum = sums.iter().find(|x| x.stage_id == s.row.id);
        let totals = sum.map_or_else(ColumnTotals::default, |x| {
            ColumnTotals::from_sum(x.count, Money::from_minor(x.amount_minor), s.probability())
        });
        let (mine, rest): (Vec<_>, Vec<_>) =
            cards.into_iter().partition(|c| c.stage_id == s.row.id);
        cards = rest;
        columns.push((totals, mine));
    }
    let heads: Vec<ColumnTotals> = columns.iter().map(|(t, _)| *t).collect();
    Ok(Board {
        total: grand_total(&heads),
        process,
        columns,
    })
}
