-- depends: notifications_0001_inbox
-- Messages addressed to one person (not only to a role): forgotten when the person is erased.
ALTER TABLE inbox_messages ADD COLUMN recipient_person uuid;
CREATE INDEX inbox_messages_by_person ON inbox_messages (recipient_person) WHERE recipient_person IS NOT NULL;
