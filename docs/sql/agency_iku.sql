-- The IKU capaian mean and serapan of every agency, as of TW IV, as known
-- now: the figures of `sakip rollup` per OPD and of each agency's
-- `sakip status --iku` ("Rata-rata capaian IKU").
-- Layout: schema/parquet.md (v1). Run it where the export directory is
-- called `parquet` (sakip export --parquet parquet --root DIR --year Y),
-- in DuckDB as it is; for DataFusion, Trino or Spark, register the three
-- directories as Hive-partitioned tables named like them.
WITH iku AS (
    SELECT year, pemda, agency, avg(capaian) AS iku_mean
    FROM read_parquet('parquet/states/**/*.parquet', hive_partitioning = true)
    WHERE iku AND capaian IS NOT NULL AND as_of = 4 AND known = 'head'
    GROUP BY year, pemda, agency
),
budget AS (
    SELECT year, pemda, agency, pagu, spent
    FROM read_parquet('parquet/budget/**/*.parquet', hive_partitioning = true)
    WHERE as_of = 4 AND known = 'head'
)
SELECT i.year, i.pemda, i.agency,
       round(i.iku_mean, 2) AS iku_mean,
       round(100 * b.spent / b.pagu, 2) AS serapan
FROM iku AS i LEFT JOIN budget AS b USING (year, pemda, agency)
ORDER BY i.year, i.pemda, i.agency;
