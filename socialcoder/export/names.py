"""Names of the export layouts and formats (kept apart so the command line can offer them
without importing pandas)."""

LAYOUTS = ("long", "wide", "sessions")
FORMATS = ("csv", "xlsx", "sav", "dta", "parquet")
