WITH `weeks`(`idx`, `week`, `start_utc`, `end_utc`, `first_day`, `last_day`) AS
(VALUES (0, '2026-W08', DATETIME '2026-02-16 00:00:00', DATETIME '2026-02-23 00:00:00', DATE '2026-02-16', DATE '2026-02-22'), (1, '2026-W09', DATETIME '2026-02-23 00:00:00', DATETIME '2026-03-02 00:00:00', DATE '2026-02-23', DATE '2026-03-01'), (2, '2026-W10', DATETIME '2026-03-02 00:00:00', DATETIME '2026-03-09 00:00:00', DATE '2026-03-02', DATE '2026-03-08')),
`activity` AS
(SELECT `tagged`.`occurred_at` AS `occurred_at`, `tagged`.`actor_id` AS `actor_id`, `tagged`.`target_id` AS `target_id`, `tagged`.`kind` AS `kind`, `tagged`.`thread_id` AS `thread_id`, CAST(`tagged`.`opens` AS INT64) AS `opens`, CAST(`tagged`.`talk` AS INT64) AS `talk`, CAST(`tagged`.`automated` AS INT64) AS `automated`, CAST(`tagged`.`idx` AS INT64) AS `idx`, CAST(CASE WHEN (`tagged`.`actor_is_ours` = 1) THEN 1 ELSE 0 END AS INT64) AS `actor_ours`, CAST(CASE WHEN (`tagged`.`actor_is_ours` = 0) THEN 1 ELSE 0 END AS INT64) AS `actor_theirs`, CAST(CASE WHEN (`tagged`.`target_is_ours` = 1) THEN 1 ELSE 0 END AS INT64) AS `target_ours`, CAST(CASE WHEN (`tagged`.`target_is_ours` = 0 AND `tagged`.`has_target` = 1) THEN 1 ELSE 0 END AS INT64) AS `target_theirs`
FROM (SELECT `interactions`.`occurred_at` AS `occurred_at`, `interactions`.`actor_id` AS `actor_id`, `interactions`.`target_id` AS `target_id`, `interactions`.`kind` AS `kind`, `interactions`.`thread_id` AS `thread_id`, CASE WHEN (`interactions`.`in_reply_to` IS NULL OR `interactions`.`in_reply_to` = '') THEN 1 ELSE 0 END AS `opens`, CASE WHEN (`interactions`.`kind` IN ('reply', 'comment', 'mention', 'dm') AND `interactions`.`target_id` IS NOT NULL AND `interactions`.`target_id` != '') THEN 1 ELSE 0 END AS `talk`, CASE WHEN (`interactions`.`automated` = true) THEN 1 ELSE 0 END AS `automated`, CASE WHEN (`interactions`.`actor_id` IN (SELECT `people`.`person_id`
FROM `people`
WHERE `people`.`is_ours` = true)) THEN 1 ELSE 0 END AS `actor_is_ours`, CASE WHEN (`interactions`.`target_id` IS NOT NULL AND `interactions`.`target_id` != '' AND `interactions`.`target_id` IN (SELECT `people`.`person_id`
FROM `people`
WHERE `people`.`is_ours` = true)) THEN 1 ELSE 0 END AS `target_is_ours`, CASE WHEN (`interactions`.`target_id` IS NOT NULL AND `interactions`.`target_id` != '') THEN 1 ELSE 0 END AS `has_target`, DIV(UNIX_MICROS(TIMESTAMP(`interactions`.`occurred_at`)) - -4276800000000000, 604800000000) - 10000 AS `idx`
FROM `interactions`
WHERE `interactions`.`occurred_at` < DATETIME '2026-03-16 00:00:00') AS `tagged`),
`weekly_activity` AS
(SELECT `activity`.`occurred_at` AS `occurred_at`, `activity`.`actor_id` AS `actor_id`, `activity`.`target_id` AS `target_id`, `activity`.`kind` AS `kind`, `activity`.`thread_id` AS `thread_id`, `activity`.`opens` AS `opens`, `activity`.`talk` AS `talk`, `activity`.`automated` AS `automated`, `activity`.`idx` AS `idx`, `activity`.`actor_ours` AS `actor_ours`, `activity`.`actor_theirs` AS `actor_theirs`, `activity`.`target_ours` AS `target_ours`, `activity`.`target_theirs` AS `target_theirs`
FROM `activity`
WHERE `activity`.`occurred_at` >= DATETIME '2026-02-16 00:00:00' AND `activity`.`occurred_at` < DATETIME '2026-03-09 00:00:00'),
`interaction_counts` AS
(SELECT `weekly_activity`.`idx` AS `idx`, count(DISTINCT CASE WHEN (`weekly_activity`.`actor_theirs` = 1) THEN `weekly_activity`.`actor_id` END) AS `active_members`
FROM `weekly_activity` GROUP BY `weekly_activity`.`idx`)
 SELECT `weeks`.`week`, coalesce(`interaction_counts`.`active_members`, 0) AS `active_members`
FROM `weeks` LEFT OUTER JOIN `interaction_counts` ON `interaction_counts`.`idx` = `weeks`.`idx` - 0
WHERE `weeks`.`idx` >= 1 ORDER BY `weeks`.`idx`
