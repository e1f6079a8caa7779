"""Tour chapters: one module per course chapter (see pyml.cli.tour)."""
