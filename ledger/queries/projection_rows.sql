-- How many rows each generation of the projections holds.
SELECT 'accounts_now' AS name, generation, count(*) AS rows FROM accounts_now GROUP BY generation
UNION ALL
SELECT 'actors_now', generation, count(*) FROM actors_now GROUP BY generation
UNION ALL
SELECT 'snapshots', generation, count(*) FROM snapshots GROUP BY generation
