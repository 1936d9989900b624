"""The courses service's aggregates, one module each: state folded from events, commands that
decide new events (or raise a problem naming the field and the reason). No I/O here."""
