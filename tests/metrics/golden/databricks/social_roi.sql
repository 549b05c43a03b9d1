WITH weeks(idx, week, start_utc, end_utc, first_day, last_day) AS
(VALUES (0, '2026-W08', '2026-02-16 00:00:00', '2026-02-23 00:00:00', '2026-02-16', '2026-02-22'), (1, '2026-W09', '2026-02-23 00:00:00', '2026-03-02 00:00:00', '2026-02-23', '2026-03-01'), (2, '2026-W10', '2026-03-02 00:00:00', '2026-03-09 00:00:00', '2026-03-02', '2026-03-08')),
referral_totals AS
(SELECT ((unix_micros(CAST(referrals.occurred_at AS TIMESTAMP)) - -4276800000000000) DIV 604800000000) - 10000 AS idx, sum(coalesce(CAST(referrals.value AS DOUBLE), 0.0)) AS referral_value
FROM referrals
WHERE referrals.occurred_at >= '2026-02-16 00:00:00' AND referrals.occurred_at < '2026-03-09 00:00:00' GROUP BY ((unix_micros(CAST(referrals.occurred_at AS TIMESTAMP)) - -4276800000000000) DIV 604800000000) - 10000),
cost_totals AS
(SELECT weeks.idx AS idx, sum(coalesce(costs.hours, 0.0) * coalesce(costs.hourly_rate, 0.0) + coalesce(costs.spend, 0.0)) AS cost
FROM weeks JOIN costs ON costs.week = weeks.week
WHERE true GROUP BY weeks.idx)
 SELECT weeks.week, (1.0 * (0.0 + 1 * CAST(coalesce(referral_totals.referral_value, 0) AS DOUBLE) + -1 * CAST(coalesce(cost_totals.cost, 0) AS DOUBLE))) / nullif(CAST(coalesce(cost_totals.cost, 0) AS DOUBLE), 0.0) AS social_roi
FROM weeks LEFT OUTER JOIN referral_totals ON referral_totals.idx = weeks.idx - 0 LEFT OUTER JOIN cost_totals ON cost_totals.idx = weeks.idx - 0
WHERE weeks.idx >= 1 ORDER BY weeks.idx
