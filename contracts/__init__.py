"""Every event and its versions: the only thing services share about each other.

Importing the package registers all contracts (one module per source service).
"""
from contracts.registry import (  # noqa: F401
    ContractError,
    EventContract,
    InvalidPayload,
    UnknownEventType,
    UnknownSchemaVersion,
    all_contracts,
    category_of,
    contract,
    event,
    latest_version,
    personal_fields,
    upcast,
    validate_payload,
    validate_stored_payload,
)
from contracts.personal import SEALED, STREAM, Personal, PersonRef, national_violations  # noqa: F401,E402
from contracts import roles  # noqa: F401,E402
from contracts import courses  # noqa: F401,E402
from contracts import network  # noqa: F401,E402
from contracts import national  # noqa: F401,E402
