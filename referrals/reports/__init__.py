"""Referral and quality reports for clinic admins (`/reports/`).

- `tables`: the tables in the order admins see them, and `prepare`, which a report calls first;
- `activity`, `funnel`, `timeliness`, `cascade`, `measures`: the tables, each computed directly
  from the records (SQLite, or PostgreSQL before the stored tables are fresh) or read from them;
- `models`, `triggers`, `facts`, `rollups`: the stored tables (PostgreSQL), the triggers that mark
  what a change makes stale, and their recomputation;
- `base`: the filters, the table and the helpers they share."""
