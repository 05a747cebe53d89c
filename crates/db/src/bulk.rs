//! Bulk loading for the demo generator: multi-row inserts in large transactions.
