//! `opportune demo`: deterministic, realistic demo data.

use opportune_db::Db;

pub const DEMO_ADMIN: &str = "admin@demo.opportune";
pub const DEMO_PASSWORD: &str = "opportune-demo";

#[derive(clap::Args, Clone, Debug)]
pub struct DemoArgs {
    /// How many opportunities to create.
    #[arg(long, default_value_t = 2_000)]
    pub opportunities: u64,
    /// Seed of the generator: the same seed gives the same data.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

impl Default for DemoArgs {
    fn default() -> Self {
        DemoArgs {
            opportunities: 2_000,
            seed: 42,
        }
    }
}

pub async fn run(_db: &Db, _args: &DemoArgs) -> anyhow::Result<()> {
    anyhow::bail!("the demo generator is being written")
}
