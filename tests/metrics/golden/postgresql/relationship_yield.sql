WITH weeks(idx, week, start_utc, end_utc, first_day, last_day) AS
(VALUES (0, '2026-W08', '2026-02-16 00:00:00', '2026-02-23 00:00:00', '2026-02-16', '2026-02-22'), (1, '2026-W09', '2026-02-23 00:00:00', '2026-03-02 00:00:00', '2026-02-23', '2026-03-01'), (2, '2026-W10', '2026-03-02 00:00:00', '2026-03-09 00:00:00', '2026-03-02', '2026-03-08')),
activity AS MATERIALIZED
(SELECT tagged.occurred_at AS occurred_at, tagged.actor_id AS actor_id, tagged.target_id AS target_id, tagged.kind AS kind, tagged.thread_id AS thread_id, CAST(tagged.opens AS SMALLINT) AS opens, CAST(tagged.talk AS SMALLINT) AS talk, CAST(tagged.automated AS SMALLINT) AS automated, CAST(tagged.idx AS INTEGER) AS idx, CAST(CASE WHEN (tagged.actor_is_ours = 1) THEN 1 ELSE 0 END AS SMALLINT) AS actor_ours, CAST(CASE WHEN (tagged.actor_is_ours = 0) THEN 1 ELSE 0 END AS SMALLINT) AS actor_theirs, CAST(CASE WHEN (tagged.target_is_ours = 1) THEN 1 ELSE 0 END AS SMALLINT) AS target_ours, CAST(CASE WHEN (tagged.target_is_ours = 0 AND tagged.has_target = 1) THEN 1 ELSE 0 END AS SMALLINT) AS target_theirs
FROM (SELECT interactions.occurred_at AS occurred_at, interactions.actor_id AS actor_id, interactions.target_id AS target_id, interactions.kind AS kind, interactions.thread_id AS thread_id, CASE WHEN (interactions.in_reply_to IS NULL OR interactions.in_reply_to = '') THEN 1 ELSE 0 END AS opens, CASE WHEN (interactions.kind IN ('reply', 'comment', 'mention', 'dm') AND interactions.target_id IS NOT NULL AND interactions.target_id != '') THEN 1 ELSE 0 END AS talk, CASE WHEN (interactions.automated = true) THEN 1 ELSE 0 END AS automated, CASE WHEN (interactions.actor_id IN (SELECT people.person_id
FROM people
WHERE people.is_ours = true)) THEN 1 ELSE 0 END AS actor_is_ours, CASE WHEN (interactions.target_id IS NOT NULL AND interactions.target_id != '' AND interactions.target_id IN (SELECT people.person_id
FROM people
WHERE people.is_ours = true)) THEN 1 ELSE 0 END AS target_is_ours, CASE WHEN (interactions.target_id IS NOT NULL AND interactions.target_id != '') THEN 1 ELSE 0 END AS has_target, ((CAST(EXTRACT(EPOCH FROM interactions.occurred_at) * 1000000 AS BIGINT) - -4276800000000000) / 604800000000) - 10000 AS idx
FROM interactions
WHERE interactions.occurred_at < '2026-03-16 00:00:00') AS tagged),
pair_first_directions AS
(SELECT pair_events_all.a AS a, pair_events_all.b AS b, pair_events_all.dir AS dir, min(pair_events_all.occurred_at) AS first_at
FROM (SELECT CASE WHEN (activity.actor_ours = 1 AND activity.target_theirs = 1) THEN activity.actor_id ELSE activity.target_id END AS a, CASE WHEN (activity.actor_ours = 1 AND activity.target_theirs = 1) THEN activity.target_id ELSE activity.actor_id END AS b, CASE WHEN (activity.actor_ours = 1 AND activity.target_theirs = 1) THEN 0 ELSE 1 END AS dir, activity.occurred_at AS occurred_at
FROM activity
WHERE activity.talk = 1 AND activity.occurred_at < '2026-03-09 00:00:00' AND (activity.actor_ours = 1 AND activity.target_theirs = 1 OR activity.actor_theirs = 1 AND activity.target_ours = 1)) AS pair_events_all GROUP BY pair_events_all.a, pair_events_all.b, pair_events_all.dir),
new_reciprocal_counts AS
(SELECT ((CAST(EXTRACT(EPOCH FROM pairs_became_reciprocal.at) * 1000000 AS BIGINT) - -4276800000000000) / 604800000000) - 10000 AS idx, count(*) AS new_reciprocal_relationships
FROM (SELECT GREATEST(first_out.first_at, first_in.first_at) AS at
FROM pair_first_directions AS first_out JOIN pair_first_directions AS first_in ON first_in.a = first_out.a AND first_in.b = first_out.b AND first_in.dir = 1
WHERE first_out.dir = 0) AS pairs_became_reciprocal
WHERE pairs_became_reciprocal.at >= '2026-02-16 00:00:00' GROUP BY ((CAST(EXTRACT(EPOCH FROM pairs_became_reciprocal.at) * 1000000 AS BIGINT) - -4276800000000000) / 604800000000) - 10000),
weekly_activity AS
(SELECT activity.occurred_at AS occurred_at, activity.actor_id AS actor_id, activity.target_id AS target_id, activity.kind AS kind, activity.thread_id AS thread_id, activity.opens AS opens, activity.talk AS talk, activity.automated AS automated, activity.idx AS idx, activity.actor_ours AS actor_ours, activity.actor_theirs AS actor_theirs, activity.target_ours AS target_ours, activity.target_theirs AS target_theirs
FROM activity
WHERE activity.occurred_at >= '2026-02-16 00:00:00' AND activity.occurred_at < '2026-03-09 00:00:00'),
interaction_counts AS
(SELECT weekly_activity.idx AS idx, sum(CASE WHEN (weekly_activity.talk = 1 AND weekly_activity.actor_ours = 1 AND weekly_activity.target_theirs = 1) THEN 1 ELSE 0 END) AS messages_sent
FROM weekly_activity GROUP BY weekly_activity.idx)
 SELECT weeks.week, (100.0 * (0.0 + 1 * CAST(coalesce(new_reciprocal_counts.new_reciprocal_relationships, 0) AS DOUBLE PRECISION))) / CAST(nullif(CAST(coalesce(interaction_counts.messages_sent, 0) AS DOUBLE PRECISION), 0.0) AS NUMERIC) AS relationship_yield
FROM weeks LEFT OUTER JOIN new_reciprocal_counts ON new_reciprocal_counts.idx = weeks.idx - 0 LEFT OUTER JOIN interaction_counts ON interaction_counts.idx = weeks.idx - 0
WHERE weeks.idx >= 1 ORDER BY weeks.idx
