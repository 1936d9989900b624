"""The national overview's query and answer (counts only: the national service holds no personal field)."""
from __future__ import annotations

import re

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from runtime.config import INSTANCE_ID_PATTERN

PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _period(value: str) -> None:
    if not PERIOD.match(value):
        raise ValidationError("a month as YYYY-MM")


def _regions(value: str) -> None:
    for region in value.split(","):
        if region == "national" or not INSTANCE_ID_PATTERN.match(region):
            raise ValidationError("comma-separated instance ids (region-1081..1085, kommune-<4 digits>)")


class PictureQuery(Schema):
    """`?region=region-1084,region-1085&from=2026-01&to=2026-06&measure=peer_education_completions`."""

    region = fields.String(validate=_regions)
    from_ = fields.String(data_key="from", validate=_period)
    to = fields.String(validate=_period)
    measure = fields.String()

    @validates_schema
    def _order(self, data, **kwargs):
        if data.get("from_") and data.get("to") and data["from_"] > data["to"]:
            raise ValidationError("must not be after 'to'", "from")


class Count(Schema):
    value = fields.Integer(allow_none=True, required=True, metadata={"description": "null when suppressed"})
    suppressed = fields.Boolean(required=True)


class Cell(Count):
    region = fields.String(required=True)
    period = fields.String(required=True, metadata={"description": "YYYY-MM"})


class RegionTotal(Count):
    region = fields.String(required=True)


class PeriodTotal(Count):
    period = fields.String(required=True)


class MeasurePicture(Schema):
    measure = fields.String(required=True)
    description = fields.String(required=True)
    regions = fields.List(fields.String(), required=True)
    periods = fields.List(fields.String(), required=True)
    cells = fields.List(fields.Nested(Cell), required=True)
    region_totals = fields.List(fields.Nested(RegionTotal), required=True,
                                metadata={"description": "over every month, whatever the filter (rule N10)"})
    period_totals = fields.List(fields.Nested(PeriodTotal), required=True,
                                metadata={"description": "over every region, whatever the filter (rule N10)"})
    total = fields.Nested(Count, required=True)


class Picture(Schema):
    min_count = fields.Integer(required=True, metadata={"description": "counts below it (other than 0) are suppressed"})
    measures = fields.List(fields.Nested(MeasurePicture), required=True)


# -- national events ---------------------------------------------------------------------------------------
from contracts.national import EventDetails, ProgrammeEntry  # noqa: E402
from contracts.network import PEER_KINDS, THEMES  # noqa: E402
from contracts.schema import Schema as ContractSchema  # noqa: E402


class CreateNationalEvent(EventDetails):
    """A national event (e.g. the yearly peer meetup), with its capacity, themes and programme."""

    @validates_schema
    def _times(self, data, **kwargs):
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            raise ValidationError("must be after starts_at", "ends_at")


class NationalEvent(ContractSchema):
    id = fields.UUID(required=True)
    title = fields.String(required=True)
    starts_at = fields.DateTime(required=True)
    ends_at = fields.DateTime(required=True)
    place = fields.String(required=True)
    capacity = fields.Integer(required=True)
    themes = fields.List(fields.String(validate=validate.OneOf(THEMES)), required=True)
    programme = fields.List(fields.Nested(ProgrammeEntry), required=True)
    accepted = fields.Integer(required=True, metadata={"description": "places taken"})
    waitlisted = fields.Integer(required=True, metadata={"description": "on the waitlist"})
    version = fields.Integer(required=True)


class KindCount(Count):
    peer_kind = fields.String(required=True, metadata={"enum": list(PEER_KINDS)})


class RegionSummary(ContractSchema):
    region = fields.String(required=True)
    kinds = fields.List(fields.Nested(KindCount), required=True)
    total = fields.Nested(Count, required=True)


class SummaryMeasure(ContractSchema):
    measure = fields.String(required=True, metadata={"enum": ["registered", "waitlisted", "attended"]})
    regions = fields.List(fields.Nested(RegionSummary), required=True)
    kinds = fields.List(fields.Nested(KindCount), required=True, metadata={"description": "over every region"})
    total = fields.Nested(Count, required=True)


class NationalEventSummary(ContractSchema):
    """Seed 004's report of the meetup: peers by region and kind (paid / volunteer), small counts suppressed."""

    national_event_id = fields.UUID(required=True)
    title = fields.String(required=True)
    capacity = fields.Integer(required=True)
    min_count = fields.Integer(required=True)
    measures = fields.List(fields.Nested(SummaryMeasure), required=True)


# -- the competence catalogue --------------------------------------------------------------------------------
from contracts.national import COMPETENCE_KINDS, ModuleDetails  # noqa: E402


class PublishModule(ModuleDetails):
    """A competence module's content: title, description, learning goals, kind, hours."""


class PublishVersion(ModuleDetails):
    expected_version = fields.Integer(load_default=None, validate=validate.Range(min=0), metadata={
        "description": "the module's stream version the caller last read; a stale one is refused with 409"})


class RetireModule(ContractSchema):
    expected_version = fields.Integer(load_default=None, validate=validate.Range(min=0))


class ModuleVersion(ContractSchema):
    module_version = fields.Integer(required=True)
    title = fields.String(required=True)
    description = fields.String(required=True)
    learning_goals = fields.List(fields.String(), required=True)
    kind = fields.String(required=True, metadata={"enum": list(COMPETENCE_KINDS)})
    hours = fields.Float(required=True)
    published_at = fields.DateTime(required=True)


class CompetenceModule(ModuleVersion):
    """The current version, with the history of every version (oldest first)."""

    module_id = fields.UUID(required=True)
    retired = fields.Boolean(required=True)
    retired_at = fields.DateTime(allow_none=True, required=True)
    versions = fields.List(fields.Nested(ModuleVersion), required=True)
    version = fields.Integer(required=True, metadata={"description": "the module's stream version"})


class CompetencePicture(ContractSchema):
    module_id = fields.UUID(required=True)
    min_count = fields.Integer(required=True)
    picture = fields.Nested(MeasurePicture, required=True)
