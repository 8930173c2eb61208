INSERT INTO migration_runs (applied) VALUES (:'applied');
