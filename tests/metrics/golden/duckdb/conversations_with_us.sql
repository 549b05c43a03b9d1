WITH weeks(idx, week, start_utc, end_utc, first_day, last_day) AS
(VALUES (0, '2026-W08', '2026-02-16 00:00:00', '2026-02-23 00:00:00', '2026-02-16', '2026-02-22'), (1, '2026-W09', '2026-02-23 00:00:00', '2026-03-02 00:00:00', '2026-02-23', '2026-03-01'), (2, '2026-W10', '2026-03-02 00:00:00', '2026-03-09 00:00:00', '2026-03-02', '2026-03-08')),
person_keys AS MATERIALIZED
(SELECT person_ids.person_id AS person_id, person_ids.ours AS ours, row_number() OVER () AS person_key
FROM (SELECT people.person_id AS person_id, max(CASE WHEN (people.is_ours = true) THEN 1 ELSE 0 END) AS ours
FROM people GROUP BY people.person_id UNION ALL SELECT DISTINCT named.person_id AS person_id, 0 AS ours
FROM (SELECT interactions.actor_id AS person_id
FROM interactions
WHERE interactions.occurred_at < '2026-03-16 00:00:00' UNION ALL SELECT interactions.target_id AS person_id
FROM interactions
WHERE interactions.occurred_at < '2026-03-16 00:00:00' AND interactions.target_id IS NOT NULL AND interactions.target_id != '') AS named
WHERE NOT (EXISTS (SELECT *
FROM people
WHERE people.person_id = named.person_id))) AS person_ids),
activity AS MATERIALIZED
(SELECT tagged.occurred_at AS occurred_at, tagged.actor_id AS actor_id, tagged.target_id AS target_id, tagged.kind AS kind, tagged.thread_id AS thread_id, CAST(tagged.opens AS SMALLINT) AS opens, CAST(tagged.talk AS SMALLINT) AS talk, CAST(tagged.automated AS SMALLINT) AS automated, CAST(tagged.idx AS INTEGER) AS idx, CAST(CASE WHEN (tagged.actor_is_ours = 1) THEN 1 ELSE 0 END AS SMALLINT) AS actor_ours, CAST(CASE WHEN (tagged.actor_is_ours = 0) THEN 1 ELSE 0 END AS SMALLINT) AS actor_theirs, CAST(CASE WHEN (tagged.target_is_ours = 1) THEN 1 ELSE 0 END AS SMALLINT) AS target_ours, CAST(CASE WHEN (tagged.target_is_ours = 0 AND tagged.has_target = 1) THEN 1 ELSE 0 END AS SMALLINT) AS target_theirs
FROM (SELECT interactions.occurred_at AS occurred_at, actor_keys.person_key AS actor_id, target_keys.person_key AS target_id, interactions.kind AS kind, interactions.thread_id AS thread_id, CASE WHEN (interactions.in_reply_to IS NULL OR interactions.in_reply_to = '') THEN 1 ELSE 0 END AS opens, CASE WHEN (interactions.kind IN ('reply', 'comment', 'mention', 'dm') AND interactions.target_id IS NOT NULL AND interactions.target_id != '') THEN 1 ELSE 0 END AS talk, CASE WHEN (interactions.automated = true) THEN 1 ELSE 0 END AS automated, CASE WHEN (actor_keys.ours = 1) THEN 1 ELSE 0 END AS actor_is_ours, CASE WHEN (interactions.target_id IS NOT NULL AND interactions.target_id != '' AND target_keys.ours = 1) THEN 1 ELSE 0 END AS target_is_ours, CASE WHEN (interactions.target_id IS NOT NULL AND interactions.target_id != '') THEN 1 ELSE 0 END AS has_target, ((epoch_us(interactions.occurred_at) - -4276800000000000) // 604800000000) - 10000 AS idx
FROM interactions LEFT OUTER JOIN person_keys AS actor_keys ON actor_keys.person_id = interactions.actor_id LEFT OUTER JOIN person_keys AS target_keys ON target_keys.person_id = interactions.target_id
WHERE interactions.occurred_at < '2026-03-16 00:00:00') AS tagged),
conversation_counts AS
(SELECT weeks.idx AS idx, sum(CASE WHEN (((threads_two_way_weeks.us_weeks) >> (weeks.idx)::UHUGEINT) & 1::UHUGEINT = 1::UHUGEINT) THEN 1 ELSE 0 END) AS conversations_with_us
FROM weeks JOIN (SELECT thread_weeks.weeks & ~((1::UHUGEINT << (GREATEST((((epoch_us(thread_weeks.any_at) - -4276195200000000) // 604800000000) - 10000) + 1, 0))::UHUGEINT) - 1::UHUGEINT) AS any_weeks, CASE WHEN (thread_weeks.us_at IS NOT NULL) THEN thread_weeks.weeks & ~((1::UHUGEINT << (GREATEST((((epoch_us(thread_weeks.us_at) - -4276195200000000) // 604800000000) - 10000) + 1, 0))::UHUGEINT) - 1::UHUGEINT) END AS us_weeks
FROM (SELECT min(CASE WHEN (thread_pair_firsts.there_at IS NOT NULL AND thread_pair_firsts.back_at IS NOT NULL) THEN GREATEST(thread_pair_firsts.there_at, thread_pair_firsts.back_at) END) AS any_at, min(CASE WHEN (thread_pair_firsts.there_at IS NOT NULL AND thread_pair_firsts.back_at IS NOT NULL AND thread_pair_firsts.actor_ours = 1) THEN GREATEST(thread_pair_firsts.there_at, thread_pair_firsts.back_at) END) AS us_at, bit_or(thread_pair_firsts.weeks) AS weeks
FROM (SELECT thread_messages.thread_id AS thread_id, min(CASE WHEN (thread_messages.forward = 1) THEN thread_messages.occurred_at END) AS there_at, min(CASE WHEN (thread_messages.forward = 0) THEN thread_messages.occurred_at END) AS back_at, max(thread_messages.actor_ours) AS actor_ours, bit_or(thread_messages.week) AS weeks
FROM (SELECT activity.thread_id AS thread_id, LEAST(activity.actor_id, activity.target_id) AS a, GREATEST(activity.actor_id, activity.target_id) AS b, CASE WHEN (activity.actor_id < activity.target_id) THEN 1 WHEN (activity.actor_id > activity.target_id) THEN 0 END AS forward, activity.occurred_at AS occurred_at, activity.actor_ours AS actor_ours, CASE WHEN (activity.occurred_at >= '2026-02-16 00:00:00') THEN (1::UHUGEINT << (activity.idx)::UHUGEINT) END AS week
FROM activity
WHERE activity.talk = 1 AND activity.thread_id IS NOT NULL AND activity.thread_id != '' AND activity.occurred_at < '2026-03-09 00:00:00') AS thread_messages GROUP BY thread_messages.thread_id, thread_messages.a, thread_messages.b) AS thread_pair_firsts GROUP BY thread_pair_firsts.thread_id) AS thread_weeks
WHERE thread_weeks.any_at IS NOT NULL AND thread_weeks.weeks IS NOT NULL) AS threads_two_way_weeks ON (((threads_two_way_weeks.any_weeks) >> (weeks.idx)::UHUGEINT) & 1::UHUGEINT = 1::UHUGEINT) GROUP BY weeks.idx)
 SELECT weeks.week, coalesce(conversation_counts.conversations_with_us, 0) AS conversations_with_us
FROM weeks LEFT OUTER JOIN conversation_counts ON conversation_counts.idx = weeks.idx - 0
WHERE weeks.idx >= 1 ORDER BY weeks.idx
