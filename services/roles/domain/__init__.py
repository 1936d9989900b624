"""The roles service's aggregates, one module each: state folded from events, commands that decide new events.

- `function_description`: a workplace's function description (funktionsbeskrivelse).
- `peer`: a peer, their employment terms, secondments and accommodation needs (skånebehov).
- `volunteer_agreement`: a volunteer agreement (frivilligaftale): signatures, term, pauses, end.
- `eligibility`: the pure rule of statement (udtalelse) eligibility.
"""
from services.roles.domain.function_description import CATEGORY, FunctionDescription, stream_of

__all__ = ["CATEGORY", "FunctionDescription", "stream_of"]
