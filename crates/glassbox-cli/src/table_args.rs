//! Arguments shared by every command that reads a table.

use std::path::PathBuf;

use clap::Args;
use glassbox_data::{IndexCol, ReadOptions};

/// Where the table is and how to read it.
#[derive(Args, Debug, Clone)]
pub struct TableArgs {
    /// Table to read: .csv (comma, semicolon or tab separated) or .xlsx/.xls/.ods.
    #[arg(long, value_name = "FILE")]
    pub data: PathBuf,
    /// Worksheet to read from a spreadsheet (default: the first).
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,
    /// Index column (row labels, not a feature): a 0-based position or a column name.
    #[arg(long, value_name = "COL")]
    pub index_col: Option<String>,
}

impl TableArgs {
    /// The reader options these arguments describe.
    pub fn read_options(&self) -> ReadOptions {
        ReadOptions {
            sheet: self.sheet.clone(),
            index_col: self.index_col.as_ref().map(|c| match c.parse::<usize>() {
                Ok(i) => IndexCol::Position(i),
                Err(_) => IndexCol::Name(c.clone()),
            }),
            columns: None,
        }
    }
}
