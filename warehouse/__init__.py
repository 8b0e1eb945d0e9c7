"""DuckDB warehouse: schema, migrations, write semantics, history, publishing."""
