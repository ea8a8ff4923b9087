"""Data every stage shares: records (model), findings, diagnostics (errors), the field catalog, decision
tables, the evaluation budget, CJK text helpers and the version. Imports no other part of the engine."""
