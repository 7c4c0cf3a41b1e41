//! The report's structure: a title, an introduction, and sections made of paragraphs, figures,
//! tables and notes. Everything here is plain data; [`crate::render`] turns it into HTML.

use std::path::Path;

use crate::error::ReportError;
use crate::figures::describe_figure;
use crate::image::Image;

/// A whole report: build it with the chained methods, then [`Report::render`] or
/// [`Report::write`].
///
/// ```
/// use glassbox_report::{Note, Report, Section, Table};
/// let html = Report::new("My run")
///     .intro("What this page shows, in one sentence.")
///     .section(
///         Section::new("Model")
///             .text("A random forest on the molding table.")
///             .table(Table::key_value("Settings").row("seed", "42"))
///             .note(Note::not_run("the MLP", "not built yet")),
///     )
///     .render();
/// assert!(html.contains("<h1>My run</h1>"));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    pub(crate) title: String,
    pub(crate) intro: Vec<String>,
    pub(crate) sections: Vec<Section>,
    pub(crate) footer: Vec<String>,
}

impl Report {
    /// An empty report with a page title.
    pub fn new(title: impl Into<String>) -> Report {
        Report {
            title: title.into(),
            intro: Vec::new(),
            sections: Vec::new(),
            footer: Vec::new(),
        }
    }

    /// Adds a plain-language paragraph under the title.
    pub fn intro(mut self, paragraph: impl Into<String>) -> Report {
        self.intro.push(paragraph.into());
        self
    }

    /// Appends a section (chained form of [`Report::push_section`]).
    pub fn section(mut self, section: Section) -> Report {
        self.sections.push(section);
        self
    }

    /// Appends a section.
    pub fn push_section(&mut self, section: Section) {
        self.sections.push(section);
    }

    /// Adds a line to the page footer (for example the command that made the report).
    pub fn footer(mut self, line: impl Into<String>) -> Report {
        self.footer.push(line.into());
        self
    }

    /// Reads a run folder written by `glassbox train` or `glassbox explain` (see
    /// [`crate::run_section`]) and appends its section.
    pub fn run_dir(mut self, dir: &Path) -> Result<Report, ReportError> {
        self.sections.push(crate::runs::run_section(dir)?);
        Ok(self)
    }

    /// A report titled `title` with one section per run folder, in the order given; fails on
    /// the first folder that is missing, not a run, or incomplete. A folder that is not a run
    /// itself but holds run folders (such as `glassbox demo`'s output) stands for those, in name
    /// order.
    pub fn from_run_dirs<P: AsRef<Path>>(
        title: impl Into<String>,
        dirs: &[P],
    ) -> Result<Report, ReportError> {
        let mut report = Report::new(title).intro(
            "This page collects the results of glassbox runs: for each run, the settings it \
             used, how well the model fits, and the figures it wrote, each with a short note on \
             what it shows and how to read it.",
        );
        for dir in dirs {
            for run in crate::runs::expand_run_dir(dir.as_ref())? {
                report.push_section(crate::runs::run_section(&run)?);
            }
        }
        Ok(report)
    }

    /// The page title.
    pub fn title(&self) -> &str {
        &self.title
    }

    /// The sections, in page order.
    pub fn sections(&self) -> &[Section] {
        &self.sections
    }
}

/// One section of the report (an `<h2>` with its content and an entry in the table of contents).
#[derive(Clone, Debug, PartialEq)]
pub struct Section {
    pub(crate) title: String,
    pub(crate) blocks: Vec<Block>,
}

impl Section {
    /// An empty section.
    pub fn new(title: impl Into<String>) -> Section {
        Section {
            title: title.into(),
            blocks: Vec::new(),
        }
    }

    /// Adds a paragraph of plain text.
    pub fn text(mut self, paragraph: impl Into<String>) -> Section {
        self.blocks.push(Block::Paragraph(paragraph.into()));
        self
    }

    /// Adds a sub-heading (`<h3>`).
    pub fn heading(mut self, heading: impl Into<String>) -> Section {
        self.blocks.push(Block::Heading(heading.into()));
        self
    }

    /// Adds a figure.
    pub fn figure(mut self, figure: Figure) -> Section {
        self.blocks.push(Block::Figure(figure));
        self
    }

    /// Adds a table.
    pub fn table(mut self, table: Table) -> Section {
        self.blocks.push(Block::Table(table));
        self
    }

    /// Adds a note or warning.
    pub fn note(mut self, note: Note) -> Section {
        self.blocks.push(Block::Note(note));
        self
    }

    /// Appends any block (the non-chained form).
    pub fn push(&mut self, block: Block) {
        self.blocks.push(block);
    }

    /// The section title.
    pub fn title(&self) -> &str {
        &self.title
    }

    /// The section's blocks, in page order.
    pub fn blocks(&self) -> &[Block] {
        &self.blocks
    }
}

/// A piece of a section.
#[derive(Clone, Debug, PartialEq)]
pub enum Block {
    /// A paragraph of plain text.
    Paragraph(String),
    /// A sub-heading.
    Heading(String),
    /// An embedded figure with its explanation.
    Figure(Figure),
    /// A table.
    Table(Table),
    /// A highlighted note.
    Note(Note),
}

/// An embedded image with a title and a plain-language explanation beside it.
#[derive(Clone, Debug, PartialEq)]
pub struct Figure {
    pub(crate) title: String,
    pub(crate) image: Image,
    pub(crate) shows: String,
    pub(crate) how_to_read: String,
    pub(crate) source: Option<String>,
}

impl Figure {
    /// A figure from an already checked image.
    pub fn new(title: impl Into<String>, image: Image) -> Figure {
        Figure {
            title: title.into(),
            image,
            shows: String::new(),
            how_to_read: String::new(),
            source: None,
        }
    }

    /// A figure read from a `.png` or `.svg` file, with the file name shown as its source.
    pub fn from_file(title: impl Into<String>, path: &Path) -> Result<Figure, ReportError> {
        let mut f = Figure::new(title, Image::from_file(path)?);
        f.source = path.file_name().map(|n| n.to_string_lossy().into_owned());
        Ok(f)
    }

    /// A figure read from a file glassbox writes (`shap_beeswarm.png`, `measured_vs_predicted.png`,
    /// ...), with glassbox's standard title and explanation for that kind of plot; other file
    /// names get a generic title.
    pub fn known(path: &Path) -> Result<Figure, ReportError> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let d = describe_figure(&name);
        Ok(Figure::from_file(d.title, path)?
            .shows(d.shows)
            .how_to_read(d.how_to_read))
    }

    /// Embeds the figure as JPEG when that is smaller (see [`Image::to_jpeg`]): for figures made
    /// of photographs and heat maps (CAM and LIME panels and grids), which PNG stores poorly.
    pub fn photo(mut self) -> Result<Figure, ReportError> {
        let name = self.source.clone().unwrap_or_else(|| self.title.clone());
        self.image = self
            .image
            .to_jpeg(crate::image::PHOTO_JPEG_QUALITY, &name)?;
        Ok(self)
    }

    /// Sets what the figure shows (one or two plain sentences).
    pub fn shows(mut self, text: impl Into<String>) -> Figure {
        self.shows = text.into();
        self
    }

    /// Sets how to read the figure (one or two plain sentences).
    pub fn how_to_read(mut self, text: impl Into<String>) -> Figure {
        self.how_to_read = text.into();
        self
    }

    /// Sets the source shown under the caption (a file name; the default for files).
    pub fn source(mut self, text: impl Into<String>) -> Figure {
        self.source = Some(text.into());
        self
    }

    /// The figure title.
    pub fn title(&self) -> &str {
        &self.title
    }
}

/// A table: either key/value rows (settings, metrics) or a grid with a header row.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    pub(crate) title: String,
    pub(crate) header: Vec<String>,
    pub(crate) rows: Vec<Vec<String>>,
}

impl Table {
    /// A two-column key/value table with a title (may be empty).
    pub fn key_value(title: impl Into<String>) -> Table {
        Table {
            title: title.into(),
            header: Vec::new(),
            rows: Vec::new(),
        }
    }

    /// A grid with a header row.
    pub fn grid<S: Into<String>>(
        title: impl Into<String>,
        header: impl IntoIterator<Item = S>,
    ) -> Table {
        Table {
            title: title.into(),
            header: header.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a key/value row.
    pub fn row(mut self, key: impl Into<String>, value: impl Into<String>) -> Table {
        self.rows.push(vec![key.into(), value.into()]);
        self
    }

    /// Adds a row of cells (for grids; shorter rows are padded when rendered).
    pub fn cells<S: Into<String>>(mut self, cells: impl IntoIterator<Item = S>) -> Table {
        self.rows.push(cells.into_iter().map(Into::into).collect());
        self
    }

    /// Number of rows, header excluded.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when the table has no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// How a note is highlighted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoteKind {
    /// Neutral information.
    Info,
    /// Something the reader should double-check.
    Warning,
    /// A step that was not run (and why).
    NotRun,
}

/// A highlighted note in a section.
#[derive(Clone, Debug, PartialEq)]
pub struct Note {
    pub(crate) kind: NoteKind,
    pub(crate) text: String,
}

impl Note {
    /// Neutral information.
    pub fn info(text: impl Into<String>) -> Note {
        Note {
            kind: NoteKind::Info,
            text: text.into(),
        }
    }

    /// A warning.
    pub fn warning(text: impl Into<String>) -> Note {
        Note {
            kind: NoteKind::Warning,
            text: text.into(),
        }
    }

    /// "Not run: `what` — `why`".
    pub fn not_run(what: impl Into<String>, why: impl Into<String>) -> Note {
        Note {
            kind: NoteKind::NotRun,
            text: format!("{} — {}", what.into(), why.into()),
        }
    }

    /// The note's kind.
    pub fn kind(&self) -> NoteKind {
        self.kind
    }
}
