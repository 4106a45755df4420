-- Where a writer group resumes on each partition of a topic, and in which incarnation.
SELECT partition, incarnation, next_offset FROM consumer_offsets
WHERE group_id = %(group)s AND topic = %(topic)s
ORDER BY partition
