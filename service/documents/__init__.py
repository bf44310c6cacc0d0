"""Documents, below the three faces and free of Flask: the one Jinja environment of the page and
report templates with its display helpers, the analysis report (context, chart, standalone
HTML, PDF, page estimate, background job), the PDFs of a clause version and of a diff, and the
reversibility checklist as PDF and DOCX. Functions take the session and settings they need."""
