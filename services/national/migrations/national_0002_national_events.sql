-- depends: national_0001_picture_cells
-- Read model: national events as a national coordinator created them (services/national/domain/national_event.py).
CREATE TABLE national_events (
    id         uuid        PRIMARY KEY,
    title      text        NOT NULL,
    starts_at  timestamptz NOT NULL,
    ends_at    timestamptz NOT NULL,
    place      text        NOT NULL,
    capacity   integer     NOT NULL,
    themes     jsonb       NOT NULL,
    programme  jsonb       NOT NULL,
    created_at timestamptz NOT NULL
);
