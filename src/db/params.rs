//! Parameters of statements over many rows, written for the engine at hand.
//!
//! Why not `$1, $2, …` everywhere: SQLite reads `$1` as a *named* parameter.
//! Preparing a statement looks each name up in the list of the names seen
//! before it, and sqlx, binding, asks each parameter's name back from that
//! same list: with n parameters, both walks cost n²/2 steps. A 10,000-trip
//! GTFS-Realtime fetch or a GTFS import, written in statements of thousands
//! of parameters, spent seconds of CPU there. A bare `?` carries no name and
//! SQLite numbers it by position, so both steps are constant per parameter.
//! PostgreSQL only knows `$n`, which it reads by number.
//!
//! So a statement is written with a [`Params`] from start to end: all its
//! parameters bare `?` on SQLite (binding order is text order), `$1…$n` on
//! PostgreSQL. Never mix the two forms in one statement: sqlx numbers named
//! and bare parameters apart.

use std::fmt::Write as _;

use sqlx::AnyConnection;

use super::Backend;

/// Parameters per statement of a batch: far below both engines' limits
/// (SQLite 32,766, PostgreSQL 65,535), and large enough that a batch of ten
/// thousand rows is a handful of statements.
const MAX_PARAMETERS: usize = 8_000;

/// Rows of `columns` parameters each that fit one statement of a batch.
pub fn rows_per_statement(columns: usize) -> usize {
    (MAX_PARAMETERS / columns.max(1)).max(1)
}

/// The next parameters of one statement, in text order.
#[derive(Debug)]
pub struct Params {
    backend: Backend,
    next: usize,
}

impl Params {
    /// Parameters of a new statement for `backend`.
    pub fn new(backend: Backend) -> Self {
        Self { backend, next: 1 }
    }

    /// Parameters of a new statement to run on `conn`.
    pub fn on(conn: &AnyConnection) -> Self {
        Self::new(Backend::of(conn))
    }

    /// One parameter.
    pub fn one(&mut self) -> String {
        let mut sql = String::with_capacity(4);
        self.push(&mut sql);
        sql
    }

    /// `n` parameters separated by commas (an `IN (…)` list).
    pub fn list(&mut self, n: usize) -> String {
        let mut sql = String::with_capacity(n * 4);
        for i in 0..n {
            if i > 0 {
                sql.push_str(", ");
            }
            self.push(&mut sql);
        }
        sql
    }

    /// `(…), (…)`: `rows` groups of `columns` parameters (a `VALUES` list).
    pub fn rows(&mut self, rows: usize, columns: usize) -> String {
        let mut sql = String::with_capacity(rows * (columns * 4 + 4));
        for row in 0..rows {
            sql.push_str(if row == 0 { "(" } else { ", (" });
            for column in 0..columns {
                if column > 0 {
                    sql.push_str(", ");
                }
                self.push(&mut sql);
            }
            sql.push(')');
        }
        sql
    }

    fn push(&mut self, sql: &mut String) {
        match self.backend {
            Backend::Sqlite => sql.push('?'),
            Backend::Postgres => {
                let _ = write!(sql, "${}", self.next);
            }
        }
        self.next += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_parameters_are_bare_and_postgres_ones_numbered_in_text_order() {
        let mut p = Params::new(Backend::Sqlite);
        assert_eq!(
            format!("{} {} ({})", p.one(), p.rows(2, 2), p.list(2)),
            "? (?, ?), (?, ?) (?, ?)"
        );
        let mut p = Params::new(Backend::Postgres);
        assert_eq!(
            format!("{} {} ({})", p.one(), p.rows(2, 2), p.list(2)),
            "$1 ($2, $3), ($4, $5) ($6, $7)"
        );
    }

    #[test]
    fn a_batch_statement_stays_under_both_engines_limits() {
        for columns in [1, 3, 6, 18, 40] {
            let rows = rows_per_statement(columns);
            assert!(rows >= 1 && rows * columns <= 32_766, "{columns}");
        }
    }
}
