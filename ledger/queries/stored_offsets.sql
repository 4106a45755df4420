-- Where a writer group resumes on each partition of a topic.
SELECT partition, next_offset FROM consumer_offsets
WHERE group_id = %(group)s AND topic = %(topic)s
