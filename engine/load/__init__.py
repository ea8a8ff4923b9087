"""Load stage: bytes -> located YAML documents -> schema-checked documents. files.py is the one
read -> YAML -> schema loop of facts, rules and rule tests."""
