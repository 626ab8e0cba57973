-- Facts about a loaded schema, read from the PostgreSQL catalog, that review_schema's findings must
-- match (tests/public_schemas.rs records them; tests/fixtures/schemas/README.md says how to rerun):
--   psql -X -At -d DB -f scripts/public-schemas-catalog.sql
-- Ordinary and partitioned tables of non-system schemas only.
\echo == tables without a primary key
SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'p')
ORDER BY 1;
\echo == foreign keys that no index leads with (index columns start with the key columns, any order)
SELECT c.relname || ' (' || k.conname || ')' FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
WHERE k.contype = 'f'
  AND NOT EXISTS (
    SELECT 1 FROM pg_index i WHERE i.indrelid = k.conrelid AND i.indpred IS NULL
      AND (SELECT array_agg(a ORDER BY a) FROM unnest((i.indkey::int2[])[0:cardinality(k.conkey) - 1]) a)
        = (SELECT array_agg(a ORDER BY a) FROM unnest(k.conkey) a))
ORDER BY 1;
\echo == non-unique indexes that are a leftmost prefix of another (same access method, opclasses, no predicate)
SELECT t.relname || ': ' || a.relname || ' within ' || b.relname
FROM pg_index ia JOIN pg_index ib ON ia.indrelid = ib.indrelid AND ia.indexrelid <> ib.indexrelid
JOIN pg_class a ON a.oid = ia.indexrelid JOIN pg_class b ON b.oid = ib.indexrelid
JOIN pg_class t ON t.oid = ia.indrelid
WHERE NOT ia.indisunique AND ia.indpred IS NULL AND ib.indpred IS NULL
  AND ia.indexprs IS NULL AND ib.indexprs IS NULL AND a.relam = b.relam
  AND ia.indnkeyatts <= ib.indnkeyatts
  AND (ia.indkey::int2[])[0:ia.indnkeyatts - 1] = (ib.indkey::int2[])[0:ia.indnkeyatts - 1]
  AND (ia.indclass::oid[])[0:ia.indnkeyatts - 1] = (ib.indclass::oid[])[0:ia.indnkeyatts - 1]
  AND (ia.indnkeyatts < ib.indnkeyatts OR ia.indexrelid > ib.indexrelid OR ib.indisunique)
ORDER BY 1;
\echo == columns of type timestamp without time zone
SELECT count(*) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND a.atttypid = 'timestamp'::regtype AND a.attnum > 0 AND NOT a.attisdropped;
