//! HTML rendering: one self-contained page, CSS inline, images as `data:` URIs.
//!
//! The page also carries a Content-Security-Policy that forbids every fetch except `data:`
//! images, so even a future bug that let a URL slip into the page could not make the reader's
//! browser contact anything. Every string that did not come from this file passes through
//! [`escape_html`]; anchors are generated (`s1`, `s1-f2`), never derived from user text.

use std::fmt::Write as _;
use std::path::Path;

use crate::document::{Block, Figure, Note, NoteKind, Report, Table};
use crate::error::ReportError;
use crate::escape::escape_html as esc;

/// The page's Content-Security-Policy: nothing may be fetched; images only from `data:`.
pub const CSP: &str = "default-src 'none'; img-src data:; style-src 'unsafe-inline'";

const CSS: &str = r#"
:root { --fg: #1f2328; --muted: #57606a; --accent: #0a5bb5; --panel: #f6f8fa; --line: #d0d7de; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: #fff; color: var(--fg);
  font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans",
    "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1240px; margin: 0 auto; padding: 36px 32px 64px; }
h1 { font-size: 2.1rem; line-height: 1.2; margin: 0 0 .5em; }
h2 { font-size: 1.5rem; margin: 2.4em 0 .7em; padding-bottom: .3em; border-bottom: 2px solid var(--line); }
h3 { font-size: 1.12rem; margin: 1.4em 0 .5em; }
figcaption h3 { margin-top: 0; }
p { margin: .6em 0; max-width: 82ch; }
.intro { font-size: 1.1rem; color: #24292f; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
code { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .92em;
  background: var(--panel); padding: .1em .3em; border-radius: 4px; }
nav.toc { background: var(--panel); border: 1px solid var(--line); border-radius: 10px;
  padding: 14px 24px; margin: 24px 0 8px; }
nav.toc h2 { font-size: 1.05rem; margin: 0 0 .4em; padding: 0; border: 0; text-transform: uppercase;
  letter-spacing: .06em; color: var(--muted); }
nav.toc ol { margin: 0; padding-left: 1.4em; }
nav.toc ol ol { font-size: .93rem; color: var(--muted); }
nav.toc ol ol.many { columns: 2 18em; }
nav.toc li { margin: .15em 0; }
figure { margin: 22px 0; padding: 18px; border: 1px solid var(--line); border-radius: 10px;
  display: grid; grid-template-columns: fit-content(900px) minmax(260px, 1fr); gap: 8px 26px;
  align-items: start; break-inside: avoid; }
figure .img { min-width: 0; }
figure img { display: block; max-width: 100%; height: auto; }
figcaption { font-size: .97rem; }
figcaption p { margin: .5em 0; }
figcaption .label { font-weight: 600; }
figcaption .src { color: var(--muted); font-size: .85rem; word-break: break-all; }
@media (max-width: 1100px) { figure { grid-template-columns: minmax(0, 1fr); } }
.tables { display: flex; flex-wrap: wrap; gap: 8px 36px; align-items: flex-start; margin: 10px 0; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: .95rem; }
caption { text-align: left; font-weight: 600; padding: 0 0 6px; }
th, td { padding: 5px 14px 5px 0; border-bottom: 1px solid var(--line); text-align: left;
  vertical-align: top; }
th { color: var(--muted); font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.key { color: var(--muted); }
.note { border-left: 4px solid; border-radius: 6px; padding: 10px 16px; margin: 14px 0; max-width: 90ch; }
.note.info { background: #eef5ff; border-color: #0a5bb5; }
.note.warning { background: #fff8e1; border-color: #c98a00; }
.note.not-run { background: var(--panel); border-color: #8c959f; }
footer { margin-top: 56px; padding-top: 12px; border-top: 1px solid var(--line); color: var(--muted);
  font-size: .88rem; }
"#;

impl Report {
    /// Renders the page. Deterministic: the same report gives the same bytes (no timestamps).
    pub fn render(&self) -> String {
        let mut h = String::with_capacity(64 * 1024);
        h.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        let _ = writeln!(
            h,
            "<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">"
        );
        let _ = writeln!(
            h,
            "<meta name=\"generator\" content=\"glassbox {}\">",
            env!("CARGO_PKG_VERSION")
        );
        let _ = writeln!(h, "<title>{}</title>", esc(&self.title));
        let _ = writeln!(h, "<style>{CSS}</style>\n</head>\n<body>\n<main>");
        let _ = writeln!(h, "<header>\n<h1>{}</h1>", esc(&self.title));
        for p in &self.intro {
            let _ = writeln!(h, "<p class=\"intro\">{}</p>", esc(p));
        }
        h.push_str("</header>\n");
        self.render_toc(&mut h);
        for (i, section) in self.sections.iter().enumerate() {
            let sid = format!("s{}", i + 1);
            let _ = writeln!(
                h,
                "<section id=\"{sid}\">\n<h2>{}. {}</h2>",
                i + 1,
                esc(&section.title)
            );
            let mut n_fig = 0;
            let mut in_tables = false;
            for block in &section.blocks {
                let is_table = matches!(block, Block::Table(_));
                if is_table && !in_tables {
                    h.push_str("<div class=\"tables\">\n");
                } else if !is_table && in_tables {
                    h.push_str("</div>\n");
                }
                in_tables = is_table;
                match block {
                    Block::Paragraph(p) => {
                        let _ = writeln!(h, "<p>{}</p>", esc(p));
                    }
                    Block::Heading(t) => {
                        let _ = writeln!(h, "<h3>{}</h3>", esc(t));
                    }
                    Block::Figure(f) => {
                        n_fig += 1;
                        render_figure(&mut h, f, &format!("{sid}-f{n_fig}"));
                    }
                    Block::Table(t) => render_table(&mut h, t),
                    Block::Note(n) => render_note(&mut h, n),
                }
            }
            if in_tables {
                h.push_str("</div>\n");
            }
            h.push_str("</section>\n");
        }
        h.push_str("<footer>\n");
        for line in &self.footer {
            let _ = writeln!(h, "<p>{}</p>", esc(line));
        }
        let _ = writeln!(
            h,
            "<p>Made by glassbox {}. This page is self-contained: it loads nothing from the \
             network and can be mailed or archived as one file.</p>",
            env!("CARGO_PKG_VERSION")
        );
        h.push_str("</footer>\n</main>\n</body>\n</html>\n");
        h
    }

    fn render_toc(&self, h: &mut String) {
        if self.sections.is_empty() {
            return;
        }
        h.push_str("<nav class=\"toc\">\n<h2>Contents</h2>\n<ol>\n");
        for (i, section) in self.sections.iter().enumerate() {
            let sid = format!("s{}", i + 1);
            let _ = write!(h, "<li><a href=\"#{sid}\">{}</a>", esc(&section.title));
            let figures: Vec<&Figure> = section
                .blocks
                .iter()
                .filter_map(|b| match b {
                    Block::Figure(f) => Some(f),
                    _ => None,
                })
                .collect();
            if !figures.is_empty() {
                // Long figure lists (image runs: a panel per class) flow into two columns.
                h.push_str(if figures.len() > 6 {
                    "\n<ol class=\"many\">\n"
                } else {
                    "\n<ol>\n"
                });
                for (j, f) in figures.iter().enumerate() {
                    let _ = writeln!(
                        h,
                        "<li><a href=\"#{sid}-f{}\">{}</a></li>",
                        j + 1,
                        esc(&f.title)
                    );
                }
                h.push_str("</ol>\n");
            }
            h.push_str("</li>\n");
        }
        h.push_str("</ol>\n</nav>\n");
    }

    /// Renders the page and writes it to `path` atomically (a temporary file beside it, then a
    /// rename): on any failure nothing is left under `path`, and an existing file there is kept.
    pub fn write(&self, path: &Path) -> Result<(), ReportError> {
        let html = self.render();
        glassbox_core::atomic::write_atomic(path, html.as_bytes())?;
        Ok(())
    }
}

fn render_figure(h: &mut String, f: &Figure, id: &str) {
    let size = match f.image.size() {
        Some((w, hgt)) => format!(" width=\"{w}\" height=\"{hgt}\""),
        None => String::new(),
    };
    let _ = writeln!(
        h,
        "<figure id=\"{id}\">\n<div class=\"img\"><img src=\"{}\"{size} alt=\"{}\"></div>",
        f.image.data_uri(),
        esc(&f.title)
    );
    let _ = writeln!(h, "<figcaption>\n<h3>{}</h3>", esc(&f.title));
    if !f.shows.is_empty() {
        let _ = writeln!(
            h,
            "<p><span class=\"label\">What it shows.</span> {}</p>",
            esc(&f.shows)
        );
    }
    if !f.how_to_read.is_empty() {
        let _ = writeln!(
            h,
            "<p><span class=\"label\">How to read it.</span> {}</p>",
            esc(&f.how_to_read)
        );
    }
    if let Some(src) = &f.source {
        let _ = writeln!(h, "<p class=\"src\">File: {}</p>", esc(src));
    }
    h.push_str("</figcaption>\n</figure>\n");
}

fn is_numeric(cell: &str) -> bool {
    let t = cell.trim().trim_end_matches(['s', '%', ' ']);
    !t.is_empty() && t.parse::<f64>().is_ok()
}

fn render_table(h: &mut String, t: &Table) {
    h.push_str("<table>\n");
    if !t.title.is_empty() {
        let _ = writeln!(h, "<caption>{}</caption>", esc(&t.title));
    }
    let width = t
        .rows
        .iter()
        .map(Vec::len)
        .chain(std::iter::once(t.header.len()))
        .max()
        .unwrap_or(0);
    if !t.header.is_empty() {
        h.push_str("<thead><tr>");
        for i in 0..width {
            let cell = t.header.get(i).map_or("", String::as_str);
            let _ = write!(h, "<th scope=\"col\">{}</th>", esc(cell));
        }
        h.push_str("</tr></thead>\n");
    }
    h.push_str("<tbody>\n");
    let key_value = t.header.is_empty();
    for row in &t.rows {
        h.push_str("<tr>");
        for i in 0..width {
            let cell = row.get(i).map_or("", String::as_str);
            let class = if i == 0 && key_value {
                " class=\"key\""
            } else if i > 0 && !key_value && is_numeric(cell) {
                " class=\"num\""
            } else {
                ""
            };
            let _ = write!(h, "<td{class}>{}</td>", esc(cell));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody>\n</table>\n");
}

fn render_note(h: &mut String, n: &Note) {
    let (class, label) = match n.kind {
        NoteKind::Info => ("info", "Note:"),
        NoteKind::Warning => ("warning", "Warning:"),
        NoteKind::NotRun => ("not-run", "Not run:"),
    };
    let _ = writeln!(
        h,
        "<div class=\"note {class}\"><strong>{label}</strong> {}</div>",
        esc(&n.text)
    );
}
