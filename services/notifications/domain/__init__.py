"""Pure rules of delivery (no database, no clock: the caller gives "now")."""
