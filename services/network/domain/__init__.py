"""The network service's aggregates, one module each (`network.py`, `meeting.py`, `resource.py`), the
schedule expansion (`schedule.py`) and the facts published for others (`published.py`). No I/O here."""
