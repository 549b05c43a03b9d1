WITH weeks(idx, week, start_utc, end_utc, first_day, last_day) AS
(VALUES (0, '2026-W08', '2026-02-16 00:00:00.000000', '2026-02-23 00:00:00.000000', '2026-02-16', '2026-02-22'), (1, '2026-W09', '2026-02-23 00:00:00.000000', '2026-03-02 00:00:00.000000', '2026-02-23', '2026-03-01'), (2, '2026-W10', '2026-03-02 00:00:00.000000', '2026-03-09 00:00:00.000000', '2026-03-02', '2026-03-08')),
activity AS
(SELECT tagged.occurred_at AS occurred_at, tagged.actor_id AS actor_id, tagged.target_id AS target_id, tagged.kind AS kind, tagged.thread_id AS thread_id, CAST(tagged.opens AS SMALLINT) AS opens, CAST(tagged.talk AS SMALLINT) AS talk, CAST(tagged.automated AS SMALLINT) AS automated, CAST(tagged.idx AS INTEGER) AS idx, CAST(CASE WHEN (tagged.actor_is_ours = 1) THEN 1 ELSE 0 END AS SMALLINT) AS actor_ours, CAST(CASE WHEN (tagged.actor_is_ours = 0) THEN 1 ELSE 0 END AS SMALLINT) AS actor_theirs, CAST(CASE WHEN (tagged.target_is_ours = 1) THEN 1 ELSE 0 END AS SMALLINT) AS target_ours, CAST(CASE WHEN (tagged.target_is_ours = 0 AND tagged.has_target = 1) THEN 1 ELSE 0 END AS SMALLINT) AS target_theirs
FROM (SELECT interactions.occurred_at AS occurred_at, interactions.actor_id AS actor_id, interactions.target_id AS target_id, interactions.kind AS kind, interactions.thread_id AS thread_id, CASE WHEN (interactions.in_reply_to IS NULL OR interactions.in_reply_to = '') THEN 1 ELSE 0 END AS opens, CASE WHEN (interactions.kind IN ('reply', 'comment', 'mention', 'dm') AND interactions.target_id IS NOT NULL AND interactions.target_id != '') THEN 1 ELSE 0 END AS talk, CASE WHEN (interactions.automated = true) THEN 1 ELSE 0 END AS automated, CASE WHEN (interactions.actor_id IN (SELECT people.person_id
FROM people
WHERE people.is_ours = true)) THEN 1 ELSE 0 END AS actor_is_ours, CASE WHEN (interactions.target_id IS NOT NULL AND interactions.target_id != '' AND interactions.target_id IN (SELECT people.person_id
FROM people
WHERE people.is_ours = true)) THEN 1 ELSE 0 END AS target_is_ours, CASE WHEN (interactions.target_id IS NOT NULL AND interactions.target_id != '') THEN 1 ELSE 0 END AS has_target, FLOOR((DATE_PART(epoch_microsecond, interactions.occurred_at) - -4276800000000000) / 604800000000) - 10000 AS idx
FROM interactions
WHERE interactions.occurred_at < '2026-03-16 00:00:00.000000') AS tagged),
weekly_activity AS
(SELECT activity.occurred_at AS occurred_at, activity.actor_id AS actor_id, activity.target_id AS target_id, activity.kind AS kind, activity.thread_id AS thread_id, activity.opens AS opens, activity.talk AS talk, activity.automated AS automated, activity.idx AS idx, activity.actor_ours AS actor_ours, activity.actor_theirs AS actor_theirs, activity.target_ours AS target_ours, activity.target_theirs AS target_theirs
FROM activity
WHERE activity.occurred_at >= '2026-02-16 00:00:00.000000' AND activity.occurred_at < '2026-03-09 00:00:00.000000'),
inbound AS
(SELECT inbound_ordered.idx AS idx, inbound_ordered.occurred_at AS occurred_at, inbound_ordered.answered_at AS answered_at
FROM (SELECT inbound_stream.idx AS idx, inbound_stream.is_ask AS is_ask, inbound_stream.occurred_at AS occurred_at, min(CASE WHEN (inbound_stream.is_ask = 0) THEN inbound_stream.occurred_at END) OVER (PARTITION BY inbound_stream.theirs ORDER BY inbound_stream.occurred_at DESC, inbound_stream.is_ask DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS answered_at
FROM (SELECT weekly_activity.actor_id AS theirs, weekly_activity.occurred_at AS occurred_at, 1 AS is_ask, weekly_activity.idx AS idx
FROM weekly_activity
WHERE weekly_activity.talk = 1 AND weekly_activity.actor_theirs = 1 AND weekly_activity.target_ours = 1 UNION ALL SELECT activity.target_id AS theirs, activity.occurred_at AS occurred_at, 0 AS is_ask, CAST(NULL AS INTEGER) AS idx
FROM activity
WHERE activity.talk = 1 AND activity.actor_ours = 1 AND activity.target_theirs = 1 AND activity.occurred_at > '2026-02-16 00:00:00.000000' AND activity.occurred_at <= '2026-03-11 00:00:00.000000') AS inbound_stream) AS inbound_ordered
WHERE inbound_ordered.is_ask = 1),
response_rates AS
(SELECT inbound.idx AS idx, CAST(sum(CASE WHEN (inbound.answered_at <= DATEADD(second, 172800, inbound.occurred_at)) THEN 1 ELSE 0 END) AS DOUBLE) / count(*) AS rate
FROM inbound GROUP BY inbound.idx),
response_medians AS
(SELECT response_waits_ranked.idx AS idx, avg(response_waits_ranked.hours) AS median
FROM (SELECT response_waits.idx AS idx, response_waits.hours AS hours, row_number() OVER (PARTITION BY response_waits.idx ORDER BY response_waits.hours) AS rn, count(*) OVER (PARTITION BY response_waits.idx) AS n
FROM (SELECT inbound.idx AS idx, CAST(DATE_PART(epoch_microsecond, inbound.answered_at) - DATE_PART(epoch_microsecond, inbound.occurred_at) AS DOUBLE) / 3600000000.0 AS hours
FROM inbound
WHERE inbound.answered_at <= DATEADD(second, 172800, inbound.occurred_at)) AS response_waits) AS response_waits_ranked
WHERE 2 * response_waits_ranked.rn = response_waits_ranked.n OR 2 * response_waits_ranked.rn = response_waits_ranked.n + 1 OR 2 * response_waits_ranked.rn = response_waits_ranked.n + 2 GROUP BY response_waits_ranked.idx),
responses AS
(SELECT response_rates.idx AS idx, response_medians.median AS median_response_hours
FROM response_rates LEFT OUTER JOIN response_medians ON response_medians.idx = response_rates.idx)
 SELECT weeks.week, responses.median_response_hours AS median_response_hours
FROM weeks LEFT OUTER JOIN responses ON responses.idx = weeks.idx - 0
WHERE weeks.idx >= 1 ORDER BY weeks.idx
