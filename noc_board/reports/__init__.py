"""Reports: models built from the store (journal and rollups), rendered to PDF, HTML and CSV.

- `export.export_report(ctx, kind, path, ...)` builds one report and writes it atomically;
  `commands.report_command` is `noc-board report KIND --from T --to T --out FILE`.
- The builders (`shift`, `incident`, `periodic` for daily and weekly, `monthly`) read through
  `context.ReportContext` and produce a `document.Report`; only `render_pdf` imports Qt.
"""
