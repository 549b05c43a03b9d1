WITH weeks(idx, week, start_utc, end_utc, first_day, last_day) AS
(VALUES (0, '2026-W08', '2026-02-16 00:00:00.000000', '2026-02-23 00:00:00.000000', '2026-02-16', '2026-02-22'), (1, '2026-W09', '2026-02-23 00:00:00.000000', '2026-03-02 00:00:00.000000', '2026-02-23', '2026-03-01'), (2, '2026-W10', '2026-03-02 00:00:00.000000', '2026-03-09 00:00:00.000000', '2026-03-02', '2026-03-08')),
audience_totals AS
(SELECT weeks.idx AS idx, sum(coalesce(audience_daily.impressions, 0)) AS impressions
FROM weeks JOIN audience_daily ON audience_daily.day >= weeks.first_day AND audience_daily.day <= weeks.last_day
WHERE 1 = 1 GROUP BY weeks.idx)
 SELECT weeks.week, coalesce(audience_totals.impressions, 0) AS impressions
FROM weeks LEFT OUTER JOIN audience_totals ON audience_totals.idx = weeks.idx - 0
WHERE weeks.idx >= 1 ORDER BY weeks.idx
