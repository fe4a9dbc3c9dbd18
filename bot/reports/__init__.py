"""Office reports built from service data: spreadsheets and printable pages. No SQL here."""
