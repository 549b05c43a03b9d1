WITH weeks(idx, week, start_utc, end_utc, first_day, last_day) AS
(VALUES (0, '2026-W08', '2026-02-16 00:00:00', '2026-02-23 00:00:00', '2026-02-16', '2026-02-22'), (1, '2026-W09', '2026-02-23 00:00:00', '2026-03-02 00:00:00', '2026-02-23', '2026-03-01'), (2, '2026-W10', '2026-03-02 00:00:00', '2026-03-09 00:00:00', '2026-03-02', '2026-03-08')),
activity AS
(SELECT tagged.occurred_at AS occurred_at, tagged.actor_id AS actor_id, tagged.target_id AS target_id, tagged.kind AS kind, tagged.thread_id AS thread_id, CAST(tagged.opens AS SMALLINT) AS opens, CAST(tagged.talk AS SMALLINT) AS talk, CAST(tagged.automated AS SMALLINT) AS automated, CAST(tagged.idx AS INT) AS idx, CAST(CASE WHEN (tagged.actor_is_ours = 1) THEN 1 ELSE 0 END AS SMALLINT) AS actor_ours, CAST(CASE WHEN (tagged.actor_is_ours = 0) THEN 1 ELSE 0 END AS SMALLINT) AS actor_theirs, CAST(CASE WHEN (tagged.target_is_ours = 1) THEN 1 ELSE 0 END AS SMALLINT) AS target_ours, CAST(CASE WHEN (tagged.target_is_ours = 0 AND tagged.has_target = 1) THEN 1 ELSE 0 END AS SMALLINT) AS target_theirs
FROM (SELECT interactions.occurred_at AS occurred_at, interactions.actor_id AS actor_id, interactions.target_id AS target_id, interactions.kind AS kind, interactions.thread_id AS thread_id, CASE WHEN (interactions.in_reply_to IS NULL OR interactions.in_reply_to = '') THEN 1 ELSE 0 END AS opens, CASE WHEN (interactions.kind IN ('reply', 'comment', 'mention', 'dm') AND interactions.target_id IS NOT NULL AND interactions.target_id != '') THEN 1 ELSE 0 END AS talk, CASE WHEN (interactions.automated = true) THEN 1 ELSE 0 END AS automated, CASE WHEN (interactions.actor_id IN (SELECT people.person_id
FROM people
WHERE people.is_ours = true)) THEN 1 ELSE 0 END AS actor_is_ours, CASE WHEN (interactions.target_id IS NOT NULL AND interactions.target_id != '' AND interactions.target_id IN (SELECT people.person_id
FROM people
WHERE people.is_ours = true)) THEN 1 ELSE 0 END AS target_is_ours, CASE WHEN (interactions.target_id IS NOT NULL AND interactions.target_id != '') THEN 1 ELSE 0 END AS has_target, ((unix_micros(CAST(interactions.occurred_at AS TIMESTAMP)) - -4276800000000000) DIV 604800000000) - 10000 AS idx
FROM interactions
WHERE interactions.occurred_at < '2026-03-16 00:00:00') AS tagged),
weekly_activity AS
(SELECT activity.occurred_at AS occurred_at, activity.actor_id AS actor_id, activity.target_id AS target_id, activity.kind AS kind, activity.thread_id AS thread_id, activity.opens AS opens, activity.talk AS talk, activity.automated AS automated, activity.idx AS idx, activity.actor_ours AS actor_ours, activity.actor_theirs AS actor_theirs, activity.target_ours AS target_ours, activity.target_theirs AS target_theirs
FROM activity
WHERE activity.occurred_at >= '2026-02-16 00:00:00' AND activity.occurred_at < '2026-03-09 00:00:00'),
threads_active AS
(SELECT DISTINCT weekly_activity.idx AS idx, weekly_activity.thread_id AS thread_id
FROM weekly_activity
WHERE weekly_activity.talk = 1 AND weekly_activity.thread_id IS NOT NULL AND weekly_activity.thread_id != ''),
thread_two_way AS
(SELECT thread_pairs.thread_id AS thread_id, min(thread_pairs.two_way_at) AS any_at, min(CASE WHEN (thread_pairs.with_us = 1) THEN thread_pairs.two_way_at END) AS us_at
FROM (SELECT thread_pair_firsts.thread_id AS thread_id, GREATEST(thread_pair_firsts.there_at, thread_pair_firsts.back_at) AS two_way_at, thread_pair_firsts.actor_ours AS with_us
FROM (SELECT thread_messages.thread_id AS thread_id, min(CASE WHEN (thread_messages.forward = 1) THEN thread_messages.occurred_at END) AS there_at, min(CASE WHEN (thread_messages.forward = 0) THEN thread_messages.occurred_at END) AS back_at, max(thread_messages.actor_ours) AS actor_ours
FROM (SELECT activity.thread_id AS thread_id, LEAST(activity.actor_id, activity.target_id) AS a, GREATEST(activity.actor_id, activity.target_id) AS b, CASE WHEN (activity.actor_id < activity.target_id) THEN 1 ELSE 0 END AS forward, activity.occurred_at AS occurred_at, activity.actor_ours AS actor_ours
FROM activity
WHERE activity.talk = 1 AND activity.thread_id IS NOT NULL AND activity.thread_id != '' AND activity.actor_id != activity.target_id AND activity.occurred_at < '2026-03-09 00:00:00') AS thread_messages GROUP BY thread_messages.thread_id, thread_messages.a, thread_messages.b) AS thread_pair_firsts
WHERE thread_pair_firsts.there_at IS NOT NULL AND thread_pair_firsts.back_at IS NOT NULL) AS thread_pairs GROUP BY thread_pairs.thread_id),
conversation_counts AS
(SELECT threads_active.idx AS idx, sum(CASE WHEN (thread_two_way.us_at < weeks.end_utc) THEN 1 ELSE 0 END) AS conversations_with_us
FROM threads_active JOIN thread_two_way ON thread_two_way.thread_id = threads_active.thread_id JOIN weeks ON weeks.idx = threads_active.idx GROUP BY threads_active.idx)
 SELECT weeks.week, coalesce(conversation_counts.conversations_with_us, 0) AS conversations_with_us
FROM weeks LEFT OUTER JOIN conversation_counts ON conversation_counts.idx = weeks.idx - 0
WHERE weeks.idx >= 1 ORDER BY weeks.idx
