"""Construct stage: validated documents -> Reports linked across years (facts, years) and RuleSets (rules),
each rule's condition as a boolean tree (compile); which rules folder a command uses (projectfile)."""
