-- depends: 0007_audit_log_refuses_delete
-- Feeds filtered by stream category (`read_page(categories=...)`: every rebuild and catch-up) filter on
-- `split_part(stream_name, '-', 1)`. Without statistics on that expression the planner guessed it matched
-- 0.5 % of the rows, so it read every event after the position and sorted them instead of walking
-- `events_feed_order` in order: 305 ms a page of 2,000 at 700,000 of 1,000,000 events (quadratic over a
-- rebuild), 7 ms with these statistics (bench/README.md, finding 5).
CREATE STATISTICS events_stream_category ON (split_part(stream_name, '-', 1)) FROM events;
