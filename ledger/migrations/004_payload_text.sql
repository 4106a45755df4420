-- The payload becomes json (kept verbatim) instead of jsonb (re-rendered by the server).
--
-- The hash chain covers the payload's text. With jsonb that text is whatever the
-- server renders (keys reordered, spacing changed), so the writer had to send every
-- payload to the server and back before it could hash a row. json keeps the text the
-- writer sent, byte for byte, so the writer hashes what it stores without asking.
-- Existing rows keep their hashes: a jsonb's text, stored as json, is the same text.
ALTER TABLE events ALTER COLUMN payload TYPE json USING payload::text::json;
