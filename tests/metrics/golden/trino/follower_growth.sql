WITH weeks(idx, week, start_utc, end_utc, first_day, last_day) AS
(VALUES (0, '2026-W08', '2026-02-16 00:00:00', '2026-02-23 00:00:00', '2026-02-16', '2026-02-22'), (1, '2026-W09', '2026-02-23 00:00:00', '2026-03-02 00:00:00', '2026-02-23', '2026-03-01'), (2, '2026-W10', '2026-03-02 00:00:00', '2026-03-09 00:00:00', '2026-03-02', '2026-03-08')),
followers_known AS
(SELECT audience_daily.platform AS platform, audience_daily.account_id AS account_id, audience_daily.day AS day, audience_daily.followers AS level
FROM audience_daily
WHERE audience_daily.followers IS NOT NULL),
followers_latest_day AS
(SELECT weeks.idx AS idx, followers_known.platform AS platform, followers_known.account_id AS account_id, max(followers_known.day) AS day
FROM weeks JOIN followers_known ON followers_known.day <= weeks.last_day GROUP BY weeks.idx, followers_known.platform, followers_known.account_id),
followers_level AS
(SELECT followers_latest_day.idx AS idx, sum(followers_known.level) AS followers
FROM followers_latest_day JOIN followers_known ON followers_known.platform = followers_latest_day.platform AND followers_known.account_id = followers_latest_day.account_id AND followers_known.day = followers_latest_day.day GROUP BY followers_latest_day.idx)
 SELECT weeks.week, coalesce(followers_level.followers, 0) - coalesce(followers_level_1_before.followers, 0) AS follower_growth
FROM weeks LEFT OUTER JOIN followers_level ON followers_level.idx = weeks.idx - 0 LEFT OUTER JOIN followers_level AS followers_level_1_before ON followers_level_1_before.idx = weeks.idx - 1
WHERE weeks.idx >= 1 ORDER BY weeks.idx
