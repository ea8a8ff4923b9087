"""Other ways in and out of the facts format: spreadsheets, published documents, next year's drafts,
new-rule stubs, and the safe writes every command makes (output)."""
