-- The analyst's alternative to `cairn compute ks4`: Attainment 8 and Progress 8 in DuckDB SQL
-- over the same canonical CSVs, run by bench/compute-ks4.sh for comparison.
--
-- Placeholders in braces are filled in by the script: {results}, {prior}, {subjects},
-- {estimates}, {sds}, {year}, {release}, {out_pupils}, {out_schools}.
--
-- Slot logic (measures.md section 1.1), written the way an analyst would:
--   * a pupil's best grade per subject counts (discounting simplified to "same subject");
--   * English: the higher of language and literature, double weighted only when both were
--     taken; the lower one joins the open candidates;
--   * maths: double weighted;
--   * EBacc: the three best EBacc results, combined science counting as two results each
--     worth the mean of its two grades;
--   * open: the three best of the remaining EBacc results, other GCSEs and the spare English.
-- Simplifications against the engine: no EBacc entry/APS or English and maths measures, no
-- element Progress 8 scores, no pupil groups or suppression, no technical-award grades, and
-- the school interval uses the national SD without the DfE banding. Those make the SQL's job
-- smaller than cairn's, not larger.

SET preserve_insertion_order = false;

CREATE TEMP TABLE subjects AS
SELECT lower(trim(subject)) AS subject, role, double_award = 'yes' AS double_award
FROM read_csv('{subjects}', header = true, all_varchar = true);

CREATE TEMP TABLE estimates AS
SELECT CAST(ks2_avg_scaled_score_from AS DOUBLE) AS ks2_from,
       CAST(ks2_avg_scaled_score_to AS DOUBLE) AS ks2_to,
       CAST(a8_estimate AS DOUBLE) AS a8_estimate
FROM read_csv('{estimates}', header = true, all_varchar = true)
WHERE ks4_year = '{year}' AND release = '{release}';

CREATE TEMP TABLE national_sd AS
SELECT CAST(p8_sd AS DOUBLE) AS sd
FROM read_csv('{sds}', header = true, all_varchar = true)
WHERE ks4_year = '{year}' AND release = '{release}';

-- Best points per pupil and subject.
CREATE TEMP TABLE best AS
SELECT r.upn,
       any_value(r.urn) AS urn,
       s.subject,
       any_value(s.role) AS role,
       any_value(s.double_award) AS double_award,
       max(CASE
             WHEN upper(r.grade) = 'U' THEN 0.0
             WHEN s.double_award
               THEN (CAST(substr(r.grade, 1, 1) AS DOUBLE) + CAST(substr(r.grade, 3, 1) AS DOUBLE)) / 2
             ELSE CAST(r.grade AS DOUBLE)
           END) AS points
FROM read_csv('{results}', header = true,
              columns = {'upn': 'VARCHAR', 'urn': 'INTEGER', 'subject': 'VARCHAR', 'grade': 'VARCHAR'}) r
JOIN subjects s ON s.subject = lower(trim(r.subject))
GROUP BY r.upn, s.subject;

CREATE TEMP TABLE core AS
SELECT upn,
       any_value(urn) AS urn,
       max(points) FILTER (WHERE role = 'english_language') AS lang,
       max(points) FILTER (WHERE role = 'english_literature') AS lit,
       max(points) FILTER (WHERE role = 'maths') AS maths
FROM best
GROUP BY upn;

CREATE TEMP TABLE ebacc_ranked AS
SELECT upn, points, row_number() OVER (PARTITION BY upn ORDER BY points DESC) AS rk
FROM (
  SELECT upn, points FROM best WHERE role = 'ebacc'
  UNION ALL
  SELECT upn, points FROM best WHERE role = 'ebacc' AND double_award
);

CREATE TEMP TABLE open_ranked AS
SELECT upn, points, row_number() OVER (PARTITION BY upn ORDER BY points DESC) AS rk
FROM (
  SELECT upn, points FROM ebacc_ranked WHERE rk > 3
  UNION ALL
  SELECT upn, points FROM best WHERE role IN ('open', 'non_gcse')
  UNION ALL
  SELECT upn, least(lang, lit) FROM core WHERE lang IS NOT NULL AND lit IS NOT NULL
);

CREATE TEMP TABLE pupil AS
SELECT c.upn,
       c.urn,
       (CASE WHEN c.lang IS NOT NULL AND c.lit IS NOT NULL THEN 2 * greatest(c.lang, c.lit)
             ELSE coalesce(c.lang, c.lit, 0) END)
       + 2 * coalesce(c.maths, 0)
       + coalesce(eb.points, 0)
       + coalesce(op.points, 0) AS attainment8
FROM core c
LEFT JOIN (SELECT upn, sum(points) AS points FROM ebacc_ranked WHERE rk <= 3 GROUP BY upn) eb USING (upn)
LEFT JOIN (SELECT upn, sum(points) AS points FROM open_ranked WHERE rk <= 3 GROUP BY upn) op USING (upn);

CREATE TEMP TABLE pupil_p8 AS
SELECT p.upn,
       p.urn,
       p.attainment8,
       (p.attainment8 - e.a8_estimate) / 10 AS progress8
FROM pupil p
LEFT JOIN read_csv('{prior}', header = true,
                   columns = {'upn': 'VARCHAR', 'ks2_reading': 'INTEGER', 'ks2_maths': 'INTEGER'}) k
  ON k.upn = p.upn
LEFT JOIN estimates e
  ON k.ks2_reading IS NOT NULL AND k.ks2_maths IS NOT NULL
 AND greatest((k.ks2_reading + k.ks2_maths) / 2.0, 59) BETWEEN e.ks2_from AND e.ks2_to;

COPY (SELECT upn, urn, round(attainment8, 2) AS attainment8, round(progress8, 3) AS progress8
      FROM pupil_p8)
TO '{out_pupils}' (HEADER);

COPY (
  SELECT urn,
         'all' AS "group",
         count(*) AS n_pupils,
         round(avg(attainment8), 2) AS attainment8,
         count(progress8) AS n_progress8,
         round(avg(progress8), 2) AS progress8,
         round(avg(progress8) - 1.96 * any_value(sd) / sqrt(count(progress8)), 2) AS progress8_ci_low,
         round(avg(progress8) + 1.96 * any_value(sd) / sqrt(count(progress8)), 2) AS progress8_ci_high
  FROM pupil_p8, national_sd
  GROUP BY urn
  ORDER BY urn
) TO '{out_schools}' (HEADER);
