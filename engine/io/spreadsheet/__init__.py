"""Spreadsheets in and out: the self-evaluation template, importing filled-in forms as facts, exporting facts."""
