"""Group rosters: member tables with filters, CSV export and all-or-nothing CSV import."""
