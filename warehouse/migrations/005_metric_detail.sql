-- Metric sample size, freshness and a readable note, for confidence and lineage.
ALTER TABLE metrics ADD COLUMN sample_size DOUBLE;
ALTER TABLE metrics ADD COLUMN observed_to DATE;
ALTER TABLE metrics ADD COLUMN note VARCHAR;
