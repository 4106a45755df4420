-- A re-drive resolves a rejected message, once: a second (or racing) re-drive inserts nothing
-- (a racing insert waits for the first to commit or roll back).
INSERT INTO rejected_resolutions (rejected_id, outcome, event_id, resolved_by)
VALUES (%(rejected_id)s, %(outcome)s, %(event_id)s, %(resolved_by)s)
ON CONFLICT (rejected_id) DO NOTHING
RETURNING rejected_id
