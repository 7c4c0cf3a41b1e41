//! glassbox-report: one self-contained HTML page (`report.html`) from glassbox runs.
//!
//! The page needs nothing but itself: CSS is inline, images are `data:` URIs, and a
//! Content-Security-Policy forbids every network fetch. Build a page from parts with
//! [`Report`], [`Section`], [`Figure`], [`Table`] and [`Note`], or from the folders that
//! `glassbox train` and `glassbox explain` wrote with [`Report::from_run_dirs`] /
//! [`run_section`]. Every user-provided string (feature names, file names, titles) is escaped
//! by [`escape_html`]; the page is written atomically by [`Report::write`].
//!
//! ```no_run
//! use glassbox_report::{Figure, Note, Report, Section, Table};
//! # fn main() -> Result<(), glassbox_report::ReportError> {
//! Report::new("glassbox demo")
//!     .intro("What this page shows.")
//!     .section(
//!         Section::new("Molding table: random forest")
//!             .text("Plain-language introduction.")
//!             .table(Table::key_value("Settings").row("seed", "42"))
//!             .figure(Figure::known("runs/rf/measured_vs_predicted.png".as_ref())?)
//!             .note(Note::not_run("Grad-CAM", "the CNN is not trained in --quick mode")),
//!     )
//!     .write("report.html".as_ref())?;
//! # Ok(()) }
//! ```

mod document;
mod error;
mod escape;
mod figures;
mod global_runs;
mod image;
mod image_explain_runs;
mod image_runs;
mod render;
mod runs;

pub use document::{Block, Figure, Note, NoteKind, Report, Section, Table};
pub use error::ReportError;
pub use escape::{base64, escape_html};
pub use figures::{FigureText, describe_figure};
pub use image::{Image, ImageFormat};
pub use render::CSP;
pub use runs::{expand_run_dir, format_number, run_section};
