-- Per pemda: the agencies with IKU figures, the mean of their IKU capaian
-- means with the lowest and highest, and the serapan of the totals, as of
-- TW IV, as known now: `sakip rollup`'s pemda line.
-- Layout: schema/parquet.md (v1); run where the export is called `parquet`.
WITH iku AS (
    SELECT year, pemda, agency, avg(capaian) AS iku_mean
    FROM read_parquet('parquet/states/**/*.parquet', hive_partitioning = true)
    WHERE iku AND capaian IS NOT NULL AND as_of = 4 AND known = 'head'
    GROUP BY year, pemda, agency
),
budget AS (
    SELECT year, pemda, sum(pagu) AS pagu, sum(spent) AS spent
    FROM read_parquet('parquet/budget/**/*.parquet', hive_partitioning = true)
    WHERE as_of = 4 AND known = 'head'
    GROUP BY year, pemda
)
SELECT i.year, i.pemda,
       count(*) AS agencies_with_iku,
       round(avg(i.iku_mean), 2) AS iku_mean,
       round(min(i.iku_mean), 2) AS iku_min,
       round(max(i.iku_mean), 2) AS iku_max,
       round(100 * any_value(b.spent) / any_value(b.pagu), 2) AS serapan
FROM iku AS i LEFT JOIN budget AS b USING (year, pemda)
GROUP BY i.year, i.pemda
ORDER BY i.year, i.pemda;
