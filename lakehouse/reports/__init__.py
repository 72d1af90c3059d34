"""Static HTML run reports: one page per run plus an index, charts by plotly (no server)."""
