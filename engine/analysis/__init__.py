"""What is built on evaluations: explain (formula shows expressions to people), rule tests and their
coverage, findings compared under two rule sets or across years (diff, rulechanges)."""
