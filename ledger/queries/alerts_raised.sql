-- Which of these (rule, event)s already have their alert, and the first alert of each event.
SELECT rule, event_id::text AS event_id, id FROM alerts WHERE event_id = ANY(%(event_ids)s::uuid[])
ORDER BY id
